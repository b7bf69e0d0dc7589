import type { Stream } from '@libp2p/interface'
import { FIRST_MESSAGE_TIMEOUT_MS, REPLY_WRITE_TIMEOUT_MS } from '../../protocol/constants.js'
import { MessageChannel } from '../../protocol/framing.js'
import { watchRequest } from '../../protocol/farm-events.js'
import type { FarmEvent, WatchRequest } from '../../protocol/farm-events.js'
import type { CoordinatorEvents } from '../events.js'
import { jobOf, toFarmEvent } from '../farm-events.js'
import { sleep } from '../../util/sleep.js'

/** Events waiting for a watcher that reads slowly; past this the watch ends (it says so), rather than grow without bound. */
export const MAX_QUEUED_EVENTS = 10_000
const END_WAIT_MS = 5000

/**
 * `microfarm events`: the farm's events, one message each, from the moment
 * the watch is acknowledged until the watcher closes its side. A watcher
 * that falls MAX_QUEUED_EVENTS behind is told and let go.
 */
export async function handleWatch (events: CoordinatorEvents, stream: Stream, now: () => Date = () => new Date()): Promise<void> {
  const channel = new MessageChannel<WatchRequest, FarmEvent>(stream)
  const request = await channel.read(watchRequest, { signal: AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS) })
  const queue: FarmEvent[] = []
  let behind = false
  let wake: (() => void) | undefined
  const stop = events.on((event) => {
    const farmEvent = toFarmEvent(event, now().toISOString())
    if (farmEvent === undefined || (request.jobId !== undefined && jobOf(farmEvent) !== request.jobId)) return
    if (queue.length >= MAX_QUEUED_EVENTS) behind = true
    else queue.push(farmEvent)
    wake?.()
  })
  // The watcher ends the watch by closing its side: anything it sends, or its end, is the end.
  let closed = false
  const ended = channel.read(watchRequest).then(() => undefined, () => undefined).finally(() => { closed = true; wake?.() })
  try {
    const write = async (message: FarmEvent): Promise<void> => { await channel.write(message, { signal: AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS) }) }
    await write({ event: 'watching', at: now().toISOString(), ...(request.jobId !== undefined ? { jobId: request.jobId } : {}) })
    while (!closed) {
      if (behind) {
        await write({ event: 'watch-ended', at: now().toISOString(), reason: `this watcher read too slowly: ${MAX_QUEUED_EVENTS} events waited for it` })
        break
      }
      const next = queue.shift()
      if (next !== undefined) {
        await write(next)
        continue
      }
      await new Promise<void>(resolve => { wake = resolve })
      wake = undefined
    }
  } finally {
    stop()
  }
  if (stream.writeStatus === 'writable') await stream.close({ signal: AbortSignal.timeout(2000) })
  // Let go, not told to (too slow): it has a moment to close its side, then the stream goes.
  const gone = new AbortController()
  await Promise.race([ended, sleep(END_WAIT_MS, gone.signal).catch(() => undefined)])
  gone.abort()
  if (!closed) stream.abort(new Error('the watcher did not close its side'))
}
