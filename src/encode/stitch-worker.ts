import { serveCalls } from '../util/worker-calls.js'
import { stitchTileFiles } from './stitch-tiles.js'
import type { StitchRequest } from './stitch-thread.js'

// The body of the stitching thread (see stitch-thread.ts): one still at a time.

serveCalls(async (request: StitchRequest) => {
  await stitchTileFiles(request.size, request.tiles, request.outPath)
  return null
})
