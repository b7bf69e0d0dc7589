import test from 'ava'
import { streamPair } from '@libp2p/utils'
import { MessageChannel } from '../../../src/protocol/framing.js'
import { MAX_MESSAGE_BYTES } from '../../../src/protocol/constants.js'
import { ProtocolError, StreamEndedError } from '../../../src/protocol/errors.js'
import { coordinatorToNode, frameAck, nodeToCoordinator } from '../../../src/protocol/messages.js'

/** An unsigned LEB128 varint, the length prefix lpStream reads. */
function varint (value: number): Uint8Array {
  const out: number[] = []
  let rest = value
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

test('messages cross an in-memory stream pair in order, both ways', async (t) => {
  const [outbound, inbound] = await streamPair()
  const node = new MessageChannel(outbound)
  const coordinator = new MessageChannel(inbound)
  await node.write({ type: 'request-work' })
  await node.write({ type: 'frame-failed', taskId: 't1', jobId: '4', frame: 12, error: 'Error: Cannot render, no camera' })
  t.deepEqual(await coordinator.read(nodeToCoordinator), { type: 'request-work' })
  t.deepEqual(await coordinator.read(nodeToCoordinator), { type: 'frame-failed', taskId: 't1', jobId: '4', frame: 12, error: 'Error: Cannot render, no camera' })
  await coordinator.write({ type: 'cancel-job', jobId: '4', reason: 'job cancel' })
  t.deepEqual(await node.read(coordinatorToNode), { type: 'cancel-job', jobId: '4', reason: 'job cancel' })
})

test('a message near the size limit goes through whole', async (t) => {
  const [outbound, inbound] = await streamPair()
  const error = 'é'.repeat(1999)
  await new MessageChannel(outbound).write({ type: 'error', message: error })
  t.deepEqual(await new MessageChannel(inbound).read(frameAck), { type: 'error', message: error })
})

test('a message that does not match the schema is a ProtocolError', async (t) => {
  const [outbound, inbound] = await streamPair()
  await new MessageChannel(outbound).write({ type: 'assign', task: { kind: 'format-disk' } })
  await t.throwsAsync(new MessageChannel(inbound).read(coordinatorToNode), { instanceOf: ProtocolError, message: /invalid message at task/ })
})

test('a length prefix over MAX_MESSAGE_BYTES is refused before the body arrives', async (t) => {
  const [outbound, inbound] = await streamPair()
  outbound.send(varint(MAX_MESSAGE_BYTES + 1))
  outbound.send(new Uint8Array(16))
  const err = await t.throwsAsync(new MessageChannel(inbound).read(nodeToCoordinator), { instanceOf: ProtocolError })
  t.regex(err?.message ?? '', /could not read a message: .*too long/i)
})

test('a smaller per-channel limit applies', async (t) => {
  const [outbound, inbound] = await streamPair()
  await new MessageChannel(outbound).write({ type: 'error', message: 'x'.repeat(200) })
  await t.throwsAsync(new MessageChannel(inbound, 64).read(frameAck), { instanceOf: ProtocolError, message: /too long/i })
})

test('a stream that ends mid-message is reported as truncated', async (t) => {
  const [outbound, inbound] = await streamPair()
  outbound.send(varint(100))
  outbound.send(new Uint8Array(10).fill(0x20))
  await outbound.close()
  const err = await t.throwsAsync(new MessageChannel(inbound).read(nodeToCoordinator), { instanceOf: ProtocolError })
  t.false(err instanceof StreamEndedError, 'ending mid-message is a broken message, not an end')
  t.regex(err?.message ?? '', /could not read a message: .*EOF.*10\/100 bytes/)
})

test('a length prefix with no body is truncated, not an end', async (t) => {
  const [outbound, inbound] = await streamPair()
  outbound.send(varint(100))
  await outbound.close()
  const err = await t.throwsAsync(new MessageChannel(inbound).read(nodeToCoordinator), { instanceOf: ProtocolError })
  t.false(err instanceof StreamEndedError)
  t.regex(err?.message ?? '', /could not read a message: .*EOF.*0\/100 bytes/)
})

test('a stream that ends between messages is reported, not hung on', async (t) => {
  const [outbound, inbound] = await streamPair()
  const sender = new MessageChannel(outbound)
  await sender.write({ type: 'heartbeat' })
  await outbound.close()
  const receiver = new MessageChannel(inbound)
  t.deepEqual(await receiver.read(nodeToCoordinator), { type: 'heartbeat' })
  // An end, said as one (still a ProtocolError for callers that only care that reading stopped).
  const ended = await t.throwsAsync(receiver.read(nodeToCoordinator), { instanceOf: StreamEndedError })
  t.true(ended instanceof ProtocolError)
  t.is(ended?.message, 'the peer closed the stream')
})

test('an aborted read rejects with the abort reason, not a ProtocolError', async (t) => {
  const [, inbound] = await streamPair()
  const controller = new AbortController()
  const reading = new MessageChannel(inbound).read(nodeToCoordinator, { signal: controller.signal })
  const reason = new Error('gave up waiting')
  controller.abort(reason)
  const err = await t.throwsAsync(reading)
  t.is(err, reason)
})

test('unwrap hands back the raw bytes that follow a message', async (t) => {
  const [outbound, inbound] = await streamPair()
  const sender = new MessageChannel(outbound)
  await sender.write({ type: 'send-frame' })
  const raw = sender.unwrap()
  raw.send(Uint8Array.from([1, 2, 3, 4]))
  await raw.close()
  const receiver = new MessageChannel(inbound)
  t.deepEqual(await receiver.read(frameAck), { type: 'send-frame' })
  const received: number[] = []
  for await (const chunk of receiver.unwrap()) received.push(...chunk.subarray())
  t.deepEqual(received, [1, 2, 3, 4])
})
