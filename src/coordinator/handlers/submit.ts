import type { Stream } from '@libp2p/interface'
import { FIRST_MESSAGE_TIMEOUT_MS, MAX_BLEND_BYTES } from '../../protocol/constants.js'
import { ProtocolError } from '../../protocol/errors.js'
import { MessageChannel } from '../../protocol/framing.js'
import { submitRequest } from '../../protocol/messages.js'
import { parseFrameList } from '../../jobs/frame-range.js'
import { receiveFile } from '../../net/payload.js'
import type { JobStore } from '../../store/job-store.js'
import { storeBlend } from '../blend-intake.js'
import type { Farm } from '../farm.js'

/**
 * A user submits a job: settings first (checked before any bytes move), then
 * the .blend unless the coordinator already holds that content.
 */
export async function handleSubmit (farm: Farm, store: JobStore, stream: Stream): Promise<void> {
  const channel = new MessageChannel(stream)
  const request = await channel.read(submitRequest, { signal: AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS) })
  if (request.blendSize > MAX_BLEND_BYTES) throw new ProtocolError(`.blend of ${request.blendSize} bytes is larger than the ${MAX_BLEND_BYTES} allowed`)
  if (request.frames !== undefined) parseFrameList(request.frames)

  const blend = { sha256: request.blendSha256, size: request.blendSize }
  const outcome = await storeBlend(store.layout, blend, async (tempPath) => {
    await channel.write({ type: 'send-blend' })
    await receiveFile(channel.unwrap(), { ...blend, tempPath })
  })
  if (outcome === 'had') await channel.write({ type: 'have-blend' })
  const job = await farm.submit(request)
  await new MessageChannel(stream).write({ type: 'submitted', jobId: job.id, frames: Object.keys(job.frames).length })
  await stream.close()
}
