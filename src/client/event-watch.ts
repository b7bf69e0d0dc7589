import type { Stream } from '@libp2p/interface'
import { EVENTS_PROTOCOL } from '../protocol/constants.js'
import { ProtocolError } from '../protocol/errors.js'
import { MessageChannel } from '../protocol/framing.js'
import { farmEvent } from '../protocol/farm-events.js'
import type { FarmEvent, WatchRequest } from '../protocol/farm-events.js'

export class WatchEndedError extends Error {
  override name = 'WatchEndedError'
}

/**
 * Follows the farm's events (one job's, or all) until `signal` aborts:
 * `onEvent` gets each one, the first being `watching`. Returns when the
 * watch ends from our side; throws WatchEndedError when the coordinator
 * ended it (it says why) or the connection went.
 */
export async function watchEvents (openStream: (protocol: string) => Promise<Stream>, jobId: string | undefined, onEvent: (event: FarmEvent) => void, signal: AbortSignal): Promise<void> {
  const stream = await openStream(EVENTS_PROTOCOL)
  const channel = new MessageChannel<FarmEvent, WatchRequest>(stream)
  try {
    await channel.write({ type: 'watch', ...(jobId !== undefined ? { jobId } : {}) }, { signal: AbortSignal.timeout(30_000) })
    while (true) {
      let event: FarmEvent
      try {
        event = await channel.read(farmEvent, { signal })
      } catch (err) {
        if (signal.aborted) break
        throw new WatchEndedError(`the coordinator ended the watch: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      }
      onEvent(event)
      if (event.event === 'watch-ended') throw new WatchEndedError(`the coordinator ended the watch: ${event.reason}`)
    }
    await stream.close({ signal: AbortSignal.timeout(2000) })
  } catch (err) {
    stream.abort(err instanceof Error ? err : new ProtocolError(String(err)))
    if (!(err instanceof WatchEndedError) && signal.aborted) return
    throw err
  }
}
