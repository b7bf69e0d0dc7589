import type { Connection, Stream } from '@libp2p/interface'
import { rename, rm } from 'node:fs/promises'
import { FIRST_MESSAGE_TIMEOUT_MS, MAX_FRAME_BYTES } from '../../protocol/constants.js'
import { ProtocolError } from '../../protocol/errors.js'
import { MessageChannel } from '../../protocol/framing.js'
import { frameHeader } from '../../protocol/messages.js'
import type { FrameAck, FrameHeader } from '../../protocol/messages.js'
import { receiveFile, UPLOAD_MIN_RATE } from '../../net/payload.js'
import { diskFullWhileWriting, DiskFullError, isDiskFull } from '../../store/disk.js'
import type { JobStore } from '../../store/job-store.js'
import type { Farm } from '../farm.js'
import type { Job } from '../../jobs/job.js'
import { frameFileProblem } from '../frame-check.js'

/**
 * A node uploads one rendered frame. The file name comes from the job and the
 * frame number the coordinator knows, never from the peer; the bytes land under
 * a temporary name and become the frame only when size and hash match.
 */
export async function handleFrameUpload (farm: Farm, store: JobStore, stream: Stream, connection: Connection): Promise<void> {
  const channel = new MessageChannel<FrameHeader, FrameAck>(stream)
  const header = await channel.read(frameHeader, { signal: AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS) })
  if (header.size > MAX_FRAME_BYTES) throw new ProtocolError(`frame of ${header.size} bytes is larger than the ${MAX_FRAME_BYTES} bytes allowed`)
  const nodeId = connection.remotePeer.toString()
  const refusal = farm.refuseFrame(header.jobId, header.frame, nodeId)
  if (refusal !== undefined) throw new ProtocolError(`frame ${header.frame} refused: ${refusal}`)
  const job = farm.job(header.jobId)
  if (job.frames[header.frame]?.state === 'done') {
    await channel.write({ type: 'frame-stored', jobId: header.jobId, frame: header.frame, duplicate: true })
    await stream.close()
    return
  }
  const tempPath = store.layout.unitTempPath(job, header.frame)
  let release: (() => void) | undefined
  let duplicate: boolean
  try {
    try {
      await store.prepareJobDir(job)
      release = await store.disk.reserve(store.layout.jobDir(job.id), header.size, `frame ${header.frame} of job ${job.id}`)
      await channel.write({ type: 'send-frame' })
      await receiveFile(channel.unwrap(), { size: header.size, sha256: header.sha256, tempPath, minRate: UPLOAD_MIN_RATE })
    } catch (err) {
      await rm(tempPath, { force: true })
      if (!isDiskFull(err)) throw err
      await askToRetryLater(farm, stream, err instanceof DiskFullError ? err : diskFullWhileWriting(err, store.layout.jobDir(job.id), `frame ${header.frame} of job ${job.id}`))
      return
    }
    duplicate = await keepFrame(farm, store, job, header.frame, nodeId, tempPath)
  } finally {
    release?.()
  }
  await new MessageChannel<never, FrameAck>(stream).write({ type: 'frame-stored', jobId: header.jobId, frame: header.frame, duplicate })
  await stream.close()
}

/**
 * The bytes are in: the frame counts if it is still wanted from this node and
 * is an image of the job, and if no other copy got there first. Deciding
 * that and taking the frame's name is one step (the claim), so of copies that
 * arrive together exactly one is counted and it is the one on disk.
 * Returns whether it was a duplicate.
 */
async function keepFrame (farm: Farm, store: JobStore, job: Job, frame: number, nodeId: string, tempPath: string): Promise<boolean> {
  try {
    // The job may have changed while the bytes were in flight (cancelled, or another copy won).
    const lateRefusal = farm.jobs.get(job.id) !== job ? `job ${job.id} was deleted` : farm.refuseFrame(job.id, frame, nodeId)
    if (lateRefusal !== undefined) throw new ProtocolError(`frame ${frame} refused: ${lateRefusal}`)
    const problem = await frameFileProblem(tempPath, job, frame)
    if (problem !== undefined) {
      farm.frameFailed(nodeId, job.id, frame, `the frame it uploaded was refused: ${problem}`)
      throw new ProtocolError(`frame ${frame} of job ${job.id} refused: ${problem}`)
    }
    if (job.frames[frame]?.state === 'done' || !farm.claimFrame(job.id, frame)) return true
    try {
      await rename(tempPath, store.layout.unitPath(job, frame))
      farm.diskHasRoom()
      farm.frameStored(job.id, frame, nodeId)
    } finally {
      farm.unclaimFrame(job.id, frame)
    }
    return false
  } finally {
    // Gone after the rename; otherwise not wanted.
    await rm(tempPath, { force: true })
  }
}

/** The frame stays on the node, which sends it again later; the user hears why. */
async function askToRetryLater (farm: Farm, stream: Stream, error: DiskFullError): Promise<void> {
  farm.diskFull(error.message)
  await askToSendLater(stream, error.message)
}

/** The node keeps the frame and sends it again after a while (a full disk, too many uploads at once). */
export async function askToSendLater (stream: Stream, message: string): Promise<void> {
  if (stream.writeStatus === 'writable') {
    await new MessageChannel<never, FrameAck>(stream).write({ type: 'retry-later', message }, { signal: AbortSignal.timeout(2000) })
    await stream.close({ signal: AbortSignal.timeout(2000) })
  }
  // Bytes still on their way are not wanted now.
  if (stream.readStatus !== 'closed') await stream.closeRead({ signal: AbortSignal.timeout(2000) }).catch(() => { stream.abort(new Error(message)) })
}
