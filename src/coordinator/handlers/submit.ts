import { readFile } from 'node:fs/promises'
import type { Stream } from '@libp2p/interface'
import type { PeerCaller } from '../ownership.js'
import { FIRST_MESSAGE_TIMEOUT_MS, REPLY_WRITE_TIMEOUT_MS } from '../../protocol/constants.js'
import { MessageChannel, writeMessage } from '../../protocol/framing.js'
import { submitRequest } from '../../protocol/messages.js'
import type { SubmitReply, SubmitRequest } from '../../protocol/messages.js'
import { parseProjectManifest } from '../../protocol/project.js'
import type { ProjectFile } from '../../protocol/project.js'
import { receiveFile, UPLOAD_MIN_RATE } from '../../net/payload.js'
import type { ContentStore } from '../../store/content-store.js'
import type { JobStore } from '../../store/job-store.js'
import type { Farm } from '../farm.js'
import type { Job } from '../../jobs/job.js'
import { frameIndex } from '../../jobs/frame-index.js'

/**
 * A user submits a job: settings and the project's manifest hash first
 * (checked before any bytes move), then the manifest unless the coordinator
 * has it, then each file whose content it lacks, one at a time, each checked
 * against its hash and stored under its final name only once complete. A
 * submit cut off half-way keeps what was complete; run again, it sends the rest.
 */

export async function handleSubmit (farm: Farm, store: JobStore, stream: Stream, submitter: () => PeerCaller): Promise<void> {
  const channel = new MessageChannel<SubmitRequest, SubmitReply>(stream)
  const request = await channel.read(submitRequest, { signal: AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS) })
  // Everything about the job is checked before its bytes move: a refusal after them would leave them stored.
  const { peerId } = submitter()
  farm.checkSubmit(request)
  // From here on the submitter sends raw bytes only when asked; replies go out
  // with writeMessage, which reads nothing (a reader would take the file bytes).
  const raw = channel.unwrap()
  const reply = async (message: SubmitReply): Promise<void> => { await writeMessage(raw, message, { signal: AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS) }) }
  const content = store.content

  const releaseManifest = content.pin([request.project.sha256])
  try {
    await content.put(request.project, 'the list of this job\'s files', async (tempPath) => {
      await reply({ type: 'send-manifest' })
      await receiveFile(raw, { ...request.project, tempPath, minRate: UPLOAD_MIN_RATE })
      // Checked before it takes its name: a manifest that fails the schema is never stored.
      parseProjectManifest(await readFile(tempPath), request.project.sha256)
    })
    const project = await content.manifest(request.project)
    const releaseFiles = content.pin(project.files.map(file => file.sha256))
    let releaseRoom: (() => void) | undefined
    try {
      const lacking = await contentsLacking(content, project.files)
      const bytes = lacking.reduce((sum, index) => sum + (project.files[index] as ProjectFile).size, 0)
      releaseRoom = await store.disk.reserve(store.layout.contentDir, bytes, `the ${lacking.length} file(s) of this job it does not have yet`)
      await reply({ type: 'need', files: lacking.length, bytes })
      for (const index of lacking) {
        const file = project.files[index] as ProjectFile
        await content.put(file, file.path, async (tempPath) => {
          await reply({ type: 'send-file', index })
          await receiveFile(raw, { size: file.size, sha256: file.sha256, tempPath, minRate: UPLOAD_MIN_RATE })
        })
      }
      let job: Job
      try {
        // The owner is who the connection proves it is; the name is what it calls itself, for people.
        job = await farm.submit(request, project, { peerId, name: request.owner ?? `peer ${peerId.slice(-6)}` })
      } catch (err) {
        // Refused after all (limits reached while the files came, a manifest that cannot be written):
        // what arrived for it belongs to no job. (A submit cut off earlier keeps its files: run again, it sends the rest.)
        releaseFiles()
        releaseManifest()
        await farm.removeUnusedContent()
        throw err
      }
      await reply({ type: 'submitted', jobId: job.id, frames: frameIndex(job).total })
    } finally {
      releaseRoom?.()
      releaseFiles()
    }
  } finally {
    releaseManifest()
  }
  await stream.close()
}

/** Indices of the files whose content the store lacks, each content once. */
async function contentsLacking (content: ContentStore, files: readonly ProjectFile[]): Promise<number[]> {
  const seen = new Set<string>()
  const lacking: number[] = []
  for (const [index, file] of files.entries()) {
    if (seen.has(file.sha256)) continue
    seen.add(file.sha256)
    if (!await content.has(file)) lacking.push(index)
  }
  return lacking
}
