import test from 'ava'
import { FarmModel, LOG_CAPACITY } from '../../../src/tui/farm-model.js'
import { NOW } from './fixtures.js'

test('the log holds the same lines as the headless mode, with a level', (t) => {
  const model = new FarmModel('studio')
  model.apply({ type: 'listening', addresses: ['/ip4/127.0.0.1/tcp/9090/p2p/12D3x'], peerId: '12D3x', farm: 'studio' }, NOW)
  model.apply({ type: 'frame-failed', jobId: '1', frame: 4, nodeName: 'a', error: 'boom', willRetry: true }, NOW)
  t.deepEqual(model.log.map(entry => entry.text), [
    'farm "studio" listening as 12D3x on /ip4/127.0.0.1/tcp/9090/p2p/12D3x',
    'job 1: frame 4 failed on a: boom (will retry)',
  ])
  t.deepEqual(model.log.map(entry => entry.level), ['good', 'error'])
  t.is(model.peerId, '12D3x')
  t.deepEqual(model.addresses, ['/ip4/127.0.0.1/tcp/9090/p2p/12D3x'])
  t.is(model.lastFrameError.get('1'), 'frame 4 on a: boom')
})

test('nodes that leave are remembered with their counts; one that returns is online again', (t) => {
  const model = new FarmModel('f')
  model.apply({ type: 'node-joined', nodeId: 'p1', name: 'a', blenderVersion: '4.2.0', cores: 8 }, NOW)
  model.apply({ type: 'frame-done', jobId: '1', frame: 1, nodeName: 'a', done: 1, total: 5, seconds: 2 }, NOW + 1000)
  model.apply({ type: 'frame-done', jobId: '1', frame: 2, nodeName: 'a', done: 2, total: 5 }, NOW + 2000)
  model.apply({ type: 'node-left', nodeId: 'p1', name: 'a', reason: 'no heartbeat for 15 s', requeued: 1 }, NOW + 3000)
  const gone = model.nodes.get('a')
  t.like(gone, { framesDone: 2, timedFrames: 1, frameSeconds: 2, seenAt: NOW + 3000, leftReason: 'no heartbeat for 15 s' })

  // A stale session of another peer with the same name does not take it offline.
  model.apply({ type: 'node-joined', nodeId: 'p2', name: 'a', blenderVersion: '4.3.0', cores: 8 }, NOW + 4000)
  model.apply({ type: 'node-left', nodeId: 'p1', name: 'a', reason: 'old session', requeued: 0 }, NOW + 5000)
  const back = model.nodes.get('a')
  t.like(back, { id: 'p2', blenderVersion: '4.3.0', framesDone: 2, seenAt: NOW + 4000 })
  t.is(back?.leftReason, undefined)
})

test('frames per minute count the frames of the last 60 seconds', (t) => {
  const model = new FarmModel('f')
  for (let i = 0; i < 30; i++) model.apply({ type: 'frame-done', jobId: '1', frame: i, nodeName: 'a', done: i, total: 100 }, NOW + i * 1000)
  t.is(model.framesPerMinute(NOW + 29_000), 30)
  t.is(model.framesPerMinute(NOW + 75_000), 14, 'frames older than a minute no longer count')
  t.is(model.framesPerMinute(NOW + 200_000), 0)
})

test('measured frame times per job feed the ETA; a deleted job is forgotten', (t) => {
  const model = new FarmModel('f')
  model.apply({ type: 'frame-done', jobId: '3', frame: 1, nodeName: 'a', done: 1, total: 4, seconds: 3 }, NOW)
  model.apply({ type: 'frame-done', jobId: '3', frame: 2, nodeName: 'b', done: 2, total: 4, seconds: 5 }, NOW)
  t.deepEqual(model.jobTimings.get('3'), { seconds: 8, frames: 2 })
  model.apply({ type: 'job-state', jobId: '3', state: 'deleted', message: 'job 3 deleted with its files' }, NOW)
  t.is(model.jobTimings.get('3'), undefined)
})

test('the log keeps a bounded number of lines, newest last', (t) => {
  const model = new FarmModel('f')
  for (let i = 0; i < 5 * LOG_CAPACITY; i++) model.note(`line ${i}`, 'info', NOW)
  t.true(model.log.length <= 2 * LOG_CAPACITY)
  t.true(model.log.length >= LOG_CAPACITY)
  t.is(model.log[model.log.length - 1]?.text, `line ${5 * LOG_CAPACITY - 1}`)
})
