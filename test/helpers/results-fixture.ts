import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { streamPair } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { CoordinatorEvents } from '../../src/coordinator/events.js'
import { guarded } from '../../src/coordinator/handlers/guard.js'
import { handleResults } from '../../src/coordinator/handlers/results.js'
import { HashCache } from '../../src/coordinator/hash-cache.js'
import { JobResults } from '../../src/coordinator/job-results.js'
import type { Job } from '../../src/jobs/job.js'
import { RESULTS_PROTOCOL } from '../../src/protocol/constants.js'
import { OutputLayout } from '../../src/store/layout.js'
import { sha256File } from '../../src/net/payload.js'
import { makeJob } from './job-fixtures.js'
import { tempFolder } from './temp-folder.js'
import { tinyPng } from './tiny-png.js'

/**
 * The results protocol over in-memory streams: the real client against the
 * real handler (inside the guard, as the coordinator runs it) over a job of
 * frames 1-5 of which 1-3 are on disk, and its video.
 */
export interface ResultsFixture { dir: string, layout: OutputLayout, job: Job, hashes: HashCache, client: CoordinatorClient, framePath: (frame: number) => string, videoPath: string }

export async function resultsFixture (t: ExecutionContext, options: { videoBytes?: number, handler?: (stream: Stream) => Promise<void> } = {}): Promise<ResultsFixture> {
  const dir = await tempFolder(t, 'mf-results-')
  const layout = new OutputLayout(path.join(dir, 'out'))
  const job = makeJob('1', { frames: '1-5', name: 'shot.blend' })
  await mkdir(layout.jobDir(job.id), { recursive: true })
  for (const frame of [1, 2, 3]) await writeFile(layout.framePath(job, frame), tinyPng(`frame ${frame}`, 8, 8, frame * 20))
  const videoPath = path.join(layout.root, 'job_1_render.mp4')
  await writeFile(videoPath, Buffer.alloc(options.videoBytes ?? 4096, 7))
  const hashes = new HashCache(undefined, async (file) => sha256File(file))
  const results = new JobResults({ job: (id) => { if (id !== job.id) throw new Error(`no job ${id} on this coordinator`); return job } }, layout, hashes)
  const connection = { remotePeer: { toString: () => 'peer-reader' } } as unknown as Connection
  const serve = guarded(RESULTS_PROTOCOL, new CoordinatorEvents(), options.handler ?? (async (stream) => handleResults(results, stream)))
  const client = CoordinatorClient.over(async () => {
    const [outbound, inbound] = await streamPair()
    void serve(inbound, connection)
    return outbound
  })
  return { dir, layout, job, hashes, client, framePath: (frame) => layout.framePath(job, frame), videoPath }
}
