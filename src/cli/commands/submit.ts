import { basename, resolve } from 'node:path'
import { findBlender } from '../../blender/find-blender.js'
import { readSceneInfo } from '../../blender/scene-info.js'
import type { SceneInfo } from '../../blender/scene-info.js'
import { BlenderNotFoundError } from '../../blender/errors.js'
import { CoordinatorClient } from '../../client/coordinator-client.js'
import type { ClientOptions } from '../../client/coordinator-client.js'
import { parseFrameList } from '../../jobs/frame-range.js'
import type { Codec, Mp4Location, Quality } from '../../encode/settings.js'
import type { RenderFormatName } from '../../jobs/types.js'
import { checkBlendFile } from '../../blender/blend-file.js'
import { waitForJob } from '../wait-for-job.js'

export interface SubmitFlags extends ClientOptions {
  frames?: string
  chunk: number
  format: RenderFormatName
  priority: number
  codec: Codec
  quality: Quality
  mp4Location: Mp4Location
  encode: boolean
  fps?: number
  wait: boolean
  json: boolean
  blender?: string
}

export async function runSubmit (file: string, flags: SubmitFlags): Promise<number> {
  const path = resolve(file)
  await checkBlendFile(path)
  if (flags.frames !== undefined) parseFrameList(flags.frames)
  const say = (line: string): void => { if (!flags.json) console.log(line) }

  const sceneInfo = await readLocally(path, flags.blender, say)
  if (sceneInfo !== undefined && flags.frames === undefined) {
    say(`frames ${sceneInfo.frameStart}-${sceneInfo.frameEnd}${sceneInfo.frameStep > 1 ? ` every ${sceneInfo.frameStep}` : ''}: the scene's own range, read by this machine's Blender`)
  }
  if (sceneInfo !== undefined && !sceneInfo.hasCamera) {
    say('warning: the scene has no active camera; Blender will refuse to render it')
  }
  if (sceneInfo === undefined && flags.frames === undefined) {
    say('no Blender on this machine: a render node will read the scene\'s frame range')
  }

  const client = await CoordinatorClient.connect(flags)
  try {
    const result = await client.submit(path, {
      name: basename(path),
      chunk: flags.chunk,
      format: flags.format,
      priority: flags.priority,
      encode: { enabled: flags.encode, codec: flags.codec, quality: flags.quality, location: flags.mp4Location, ...(flags.fps !== undefined ? { fps: flags.fps } : {}) },
      ...(flags.frames !== undefined ? { frames: flags.frames } : {}),
      ...(sceneInfo !== undefined ? { sceneInfo } : {}),
    })
    if (flags.json && !flags.wait) console.log(JSON.stringify(result))
    say(`job ${result.jobId} submitted: ${result.frames > 0 ? `${result.frames} frames` : 'frame range to be read by a node'}${result.uploaded ? '' : ' (the coordinator already had this .blend)'}`)
    if (!flags.json && !flags.wait) console.log(result.jobId)
    if (!flags.wait) return 0
    return await waitForJob(client, result.jobId, { json: flags.json })
  } finally {
    await client.close()
  }
}

/** The scene's facts from this machine's Blender, when it has one; a broken .blend stops here. */
async function readLocally (path: string, blenderPath: string | undefined, say: (line: string) => void): Promise<SceneInfo | undefined> {
  let blender
  try {
    blender = await findBlender(blenderPath !== undefined ? { explicitPath: blenderPath } : {})
  } catch (err) {
    if (err instanceof BlenderNotFoundError && blenderPath === undefined) return undefined
    throw err
  }
  say(`reading the scene with Blender ${blender.version}…`)
  return readSceneInfo(blender, path)
}
