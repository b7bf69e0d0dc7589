import test from 'ava'
import { streamPair } from '@libp2p/utils'
import { CoordinatorEvents } from '../../../src/coordinator/events.js'
import { toFarmEvent } from '../../../src/coordinator/farm-events.js'
import { handleWatch, MAX_QUEUED_EVENTS } from '../../../src/coordinator/handlers/events.js'
import { watchEvents } from '../../../src/client/event-watch.js'
import type { FarmEvent } from '../../../src/protocol/farm-events.js'
import { farmEvent } from '../../../src/protocol/farm-events.js'
import { waitFor } from '../../helpers/cli.js'
import { MessageChannel } from '../../../src/protocol/framing.js'

const AT = '2026-12-02T01:02:03.000Z'

test('the coordinator\'s events become the documented ones; the rest are not part of the interface', (t) => {
  t.deepEqual(toFarmEvent({ type: 'job-created', jobId: '3', name: 'shot.blend', frames: 24, range: '1-24' }, AT), { event: 'job-created', at: AT, jobId: '3', name: 'shot.blend', frames: 24 })
  t.deepEqual(toFarmEvent({ type: 'frame-done', jobId: '3', frame: 7, nodeName: 'vm', done: 2, total: 24, seconds: 1.5 }, AT), { event: 'frame-done', at: AT, jobId: '3', frame: 7, node: 'vm', done: 2, total: 24, seconds: 1.5 })
  t.deepEqual(toFarmEvent({ type: 'job-completed', jobId: '3', name: 'shot.blend', missing: 0 }, AT), { event: 'job-state', at: AT, jobId: '3', state: 'completed' })
  t.deepEqual(toFarmEvent({ type: 'job-failed', jobId: '3', error: 'no node may render it' }, AT), { event: 'job-state', at: AT, jobId: '3', state: 'failed', error: 'no node may render it' })
  t.deepEqual(toFarmEvent({ type: 'job-state', jobId: '3', state: 'paused', message: 'job 3 is paused' }, AT), { event: 'job-state', at: AT, jobId: '3', state: 'paused' })
  t.deepEqual(toFarmEvent({ type: 'encode', jobId: '3', state: 'done', message: 'video ready: /x/job_3_shot.mp4', video: 'job_3_shot.mp4' }, AT), { event: 'video-ready', at: AT, jobId: '3', video: 'job_3_shot.mp4' })
  t.deepEqual(toFarmEvent({ type: 'encode', jobId: '3', state: 'failed', message: 'video failed: x', error: 'x' }, AT), { event: 'video-failed', at: AT, jobId: '3', error: 'x' })
  t.is(toFarmEvent({ type: 'encode', jobId: '3', state: 'encoding', message: 'encoding' }, AT), undefined)
  t.is(toFarmEvent({ type: 'frame-progress', jobId: '3', frame: 7, nodeName: 'vm', fraction: 0.5 }, AT), undefined)
  t.is(toFarmEvent({ type: 'warning', message: 'x' }, AT), undefined)
  // Every event made passes the schema a client reads with.
  for (const event of [toFarmEvent({ type: 'frame-failed', jobId: '3', frame: 7, nodeName: 'vm', error: 'Error: boom', willRetry: true }, AT)]) t.true(farmEvent.safeParse(event).success)
})

test('a tiled still\'s events say tile and still: tile-done, tile-failed, still-ready, still-failed', (t) => {
  const made = [
    toFarmEvent({ type: 'job-created', jobId: '4', name: 'poster.blend', frames: 6, range: 'frame 12 in 3x2 tiles', still: 12 }, AT),
    toFarmEvent({ type: 'frame-done', jobId: '4', frame: 3, still: 12, nodeName: 'vm', done: 1, total: 6 }, AT),
    toFarmEvent({ type: 'frame-failed', jobId: '4', frame: 5, still: 12, nodeName: 'vm', error: 'Error: boom', willRetry: false }, AT),
    toFarmEvent({ type: 'stitch', jobId: '4', frame: 12, state: 'done', file: 'frame_0012.png', message: 'still ready' }, AT),
    toFarmEvent({ type: 'stitch', jobId: '4', frame: 12, state: 'failed', error: 'tile(s) 5 missing', message: 'stitching failed' }, AT),
  ]
  t.deepEqual(made, [
    { event: 'job-created', at: AT, jobId: '4', name: 'poster.blend', frames: 6, still: 12 },
    { event: 'tile-done', at: AT, jobId: '4', frame: 12, tile: 3, node: 'vm', done: 1, total: 6 },
    { event: 'tile-failed', at: AT, jobId: '4', frame: 12, tile: 5, node: 'vm', error: 'Error: boom', willRetry: false },
    { event: 'still-ready', at: AT, jobId: '4', frame: 12, file: 'frame_0012.png' },
    { event: 'still-failed', at: AT, jobId: '4', error: 'tile(s) 5 missing' },
  ])
  for (const event of made) t.true(farmEvent.safeParse(event).success)
})

async function watch (events: CoordinatorEvents, jobId?: string): Promise<{ seen: FarmEvent[], stop: AbortController, done: Promise<void> }> {
  const [outbound, inbound] = await streamPair()
  const served = handleWatch(events, inbound, () => new Date(AT))
  const seen: FarmEvent[] = []
  const stop = new AbortController()
  const done = watchEvents(async () => outbound, jobId, (e) => { seen.push(e) }, stop.signal)
  await waitFor('the watch to start', () => seen.length > 0)
  return { seen, stop, done: Promise.all([served, done]).then(() => undefined) }
}

test('a watch gets each event of its job once, in order, until the watcher stops; the coordinator then lets go of it', async (t) => {
  const events = new CoordinatorEvents()
  const { seen, stop, done } = await watch(events, '3')
  events.emit({ type: 'job-created', jobId: '3', name: 'a', frames: 2, range: '1-2' })
  events.emit({ type: 'job-created', jobId: '4', name: 'b', frames: 2, range: '1-2' })
  events.emit({ type: 'frame-done', jobId: '3', frame: 1, nodeName: 'vm', done: 1, total: 2 })
  events.emit({ type: 'frame-done', jobId: '4', frame: 1, nodeName: 'vm', done: 1, total: 2 })
  events.emit({ type: 'job-completed', jobId: '3', name: 'a', missing: 0 })
  await waitFor('the events', () => seen.length >= 4)
  t.deepEqual(seen.map(e => e.event), ['watching', 'job-created', 'frame-done', 'job-state'])
  t.true(seen.every(e => e.event === 'watching' || ('jobId' in e && e.jobId === '3')))
  stop.abort()
  await done
  t.is(events.listeners(), 0, 'the coordinator no longer sends to it')
})

test('a watcher that falls too far behind is told and let go, not kept in memory', async (t) => {
  const events = new CoordinatorEvents()
  const [outbound, inbound] = await streamPair()
  const served = handleWatch(events, inbound, () => new Date(AT))
  // The watcher asks and then reads nothing while the farm makes more events than the coordinator keeps for it.
  await new MessageChannel(outbound).write({ type: 'watch' })
  await waitFor('the watch to start', () => events.listeners() === 1)
  for (let i = 0; i <= MAX_QUEUED_EVENTS + 1; i++) events.emit({ type: 'frame-done', jobId: '3', frame: 1, nodeName: 'vm', done: 1, total: 2 })
  await served
  t.is(events.listeners(), 0)
})
