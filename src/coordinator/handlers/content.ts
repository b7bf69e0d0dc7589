import type { Stream } from '@libp2p/interface'
import { stat } from 'node:fs/promises'
import { FIRST_MESSAGE_TIMEOUT_MS, REPLY_WRITE_TIMEOUT_MS } from '../../protocol/constants.js'
import { ProtocolError } from '../../protocol/errors.js'
import { MessageChannel } from '../../protocol/framing.js'
import { contentRequest } from '../../protocol/messages.js'
import type { ContentRequest, ContentResponse } from '../../protocol/messages.js'
import { sendFile } from '../../net/payload.js'
import type { ContentStore } from '../../store/content-store.js'
import { ifExists } from '../../util/if-exists.js'

/** A node asks for content (a .blend, a texture, a project manifest) by hash; the coordinator streams it from its store. */
export async function handleContentRequest (content: ContentStore, stream: Stream): Promise<void> {
  const channel = new MessageChannel<ContentRequest, ContentResponse>(stream)
  const request = await channel.read(contentRequest, { signal: AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS) })
  const path = content.path(request.sha256)
  const size = (await ifExists(stat(path)))?.size
  if (size === undefined) throw new ProtocolError(`this coordinator has no content ${request.sha256.slice(0, 12)}…`)
  await channel.write({ type: 'content', sha256: request.sha256, size }, { signal: AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS) })
  try {
    await sendFile(stream, path)
  } catch (err) {
    // The file's bytes have begun: an error message now would read as content. Reset instead.
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
  await stream.close()
}
