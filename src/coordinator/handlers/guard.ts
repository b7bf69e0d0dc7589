import type { Connection, Stream } from '@libp2p/interface'
import { MessageChannel } from '../../protocol/framing.js'
import type { CoordinatorEvents } from '../events.js'
import { asError } from '../../util/error-message.js'

type Handler = (stream: Stream, connection: Connection) => Promise<void>

/**
 * Every inbound stream runs inside this: a failure (malformed, oversized or
 * unexpected message, a peer that lies about a hash) is logged, answered with
 * an error message while the stream still takes one, and that stream alone is
 * closed. The coordinator keeps serving everyone else.
 */
export function guarded (protocol: string, events: CoordinatorEvents, handler: Handler): Handler {
  return async (stream, connection) => {
    try {
      await handler(stream, connection)
    } catch (err) {
      const error = asError(err)
      events.emit({ type: 'peer-error', peer: connection.remotePeer.toString(), protocol, error: `${error.name}: ${error.message}` })
      await closeWithError(stream, error)
    }
  }
}

async function closeWithError (stream: Stream, error: Error): Promise<void> {
  try {
    if (stream.writeStatus === 'writable') {
      // Every protocol's replies have this shape for a refusal.
      await new MessageChannel<never, { type: 'error', message: string }>(stream).write({ type: 'error', message: error.message }, { signal: AbortSignal.timeout(2000) })
      await stream.close({ signal: AbortSignal.timeout(2000) })
    }
    // Stop whatever the peer is still sending (an oversized upload, garbage).
    await stream.closeRead({ signal: AbortSignal.timeout(2000) })
  } catch (closeError) {
    stream.abort(closeError instanceof Error ? closeError : error)
  }
}
