import type { Stream } from '@libp2p/interface'
import { stat } from 'node:fs/promises'
import { FIRST_MESSAGE_TIMEOUT_MS } from '../../protocol/constants.js'
import { ProtocolError } from '../../protocol/errors.js'
import { MessageChannel } from '../../protocol/framing.js'
import { blendRequest } from '../../protocol/messages.js'
import { sendFile } from '../../net/payload.js'
import type { OutputLayout } from '../../store/layout.js'

/** A node asks for a .blend by content hash; the coordinator streams it from its store. */
export async function handleBlendRequest (layout: OutputLayout, stream: Stream): Promise<void> {
  const channel = new MessageChannel(stream)
  const request = await channel.read(blendRequest, { signal: AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS) })
  const path = layout.blendPath(request.sha256)
  let size: number
  try {
    size = (await stat(path)).size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ProtocolError(`this coordinator has no .blend ${request.sha256.slice(0, 12)}…`)
    throw err
  }
  await channel.write({ type: 'blend', sha256: request.sha256, size })
  await sendFile(stream, path)
  await stream.close()
}
