import test from 'ava'
import { decodeMessage, encodeMessage } from '../../../src/protocol/framing.js'
import { ProtocolError } from '../../../src/protocol/errors.js'
import { adminRequest, coordinatorToNode, frameHeader, nodeToCoordinator, submitRequest } from '../../../src/protocol/messages.js'
import { submitRequest as validSubmit } from '../../helpers/job-fixtures.js'

const sha = 'ab'.repeat(32)
const bytes = (value: unknown): Uint8Array => encodeMessage(value)

test('a valid message decodes to the same value', (t) => {
  const header = { type: 'frame', jobId: '12', frame: 7, size: 1000, sha256: sha }
  t.deepEqual(decodeMessage(frameHeader, bytes(header)), header)
  const submit = validSubmit()
  t.deepEqual(decodeMessage(submitRequest, bytes(submit)), submit)
})

test('unknown keys are stripped, not passed on', (t) => {
  const decoded = decodeMessage(nodeToCoordinator, bytes({ type: 'heartbeat', extra: 'x'.repeat(10) }))
  t.deepEqual(decoded, { type: 'heartbeat' })
})

test('bytes that are not JSON are a ProtocolError', (t) => {
  const err = t.throws(() => decodeMessage(frameHeader, new TextEncoder().encode('{"type":')), { instanceOf: ProtocolError })
  t.regex(err?.message ?? '', /not UTF-8 JSON/)
  t.is(err?.name, 'ProtocolError')
})

test('bytes that are not UTF-8 are a ProtocolError', (t) => {
  // A quoted string holding a lone continuation byte: valid JSON only if decoding were lenient.
  const invalid = Uint8Array.from([0x22, 0x80, 0x22])
  t.throws(() => decodeMessage(nodeToCoordinator, invalid), { instanceOf: ProtocolError, message: /not UTF-8/ })
})

test('a field of the wrong type is named in the error', (t) => {
  const header = { type: 'frame', jobId: '1', frame: '7', size: 1000, sha256: sha }
  t.throws(() => decodeMessage(frameHeader, bytes(header)), { instanceOf: ProtocolError, message: /at frame/ })
  t.throws(() => decodeMessage(frameHeader, bytes({ ...header, frame: 1.5 })), { instanceOf: ProtocolError, message: /at frame/ })
  t.throws(() => decodeMessage(frameHeader, bytes([header])), { instanceOf: ProtocolError })
  t.throws(() => decodeMessage(frameHeader, bytes(null)), { instanceOf: ProtocolError })
})

test('an unknown message type is refused', (t) => {
  t.throws(() => decodeMessage(nodeToCoordinator, bytes({ type: 'format-disk' })), { instanceOf: ProtocolError, message: /invalid message/ })
  t.throws(() => decodeMessage(coordinatorToNode, bytes({ type: 'hello' })), { instanceOf: ProtocolError })
  t.throws(() => decodeMessage(nodeToCoordinator, bytes({})), { instanceOf: ProtocolError })
})

test('strings longer than the schema allows are refused', (t) => {
  const hello = { type: 'hello', protocolVersion: 1, name: 'node', cores: 8, blenderVersion: '4.2', platform: 'linux' }
  t.truthy(decodeMessage(nodeToCoordinator, bytes(hello)))
  t.throws(() => decodeMessage(nodeToCoordinator, bytes({ ...hello, name: 'n'.repeat(201) })), { instanceOf: ProtocolError, message: /at name/ })
  t.throws(() => decodeMessage(nodeToCoordinator, bytes({ ...hello, name: '' })), { instanceOf: ProtocolError })
  const failed = { type: 'frame-failed', taskId: 't1', jobId: '1', frame: 1, error: 'e'.repeat(4001) }
  t.throws(() => decodeMessage(nodeToCoordinator, bytes(failed)), { instanceOf: ProtocolError, message: /at error/ })
  t.throws(() => decodeMessage(submitRequest, bytes(validSubmit({ frames: '1,'.repeat(5001) }))), { instanceOf: ProtocolError, message: /at frames/ })
})

test('a SHA-256 must be 64 lowercase hex digits', (t) => {
  const header = { type: 'frame', jobId: '1', frame: 1, size: 10 }
  for (const bad of [sha.toUpperCase(), sha.slice(1), sha + '0', 'g'.repeat(64), '']) {
    t.throws(() => decodeMessage(frameHeader, bytes({ ...header, sha256: bad })), { instanceOf: ProtocolError, message: /at sha256: a lowercase hex SHA-256/ }, bad)
  }
})

test('a job id is digits only, never a path', (t) => {
  for (const jobId of ['../1', '1/..', '/etc', '1 ', '', '1234567890', '-1', '1.5']) {
    t.throws(() => decodeMessage(frameHeader, bytes({ type: 'frame', jobId, frame: 1, size: 10, sha256: sha })),
      { instanceOf: ProtocolError, message: /at jobId: a job id/ }, jobId)
    t.throws(() => decodeMessage(adminRequest, bytes({ type: 'job-action', action: 'delete', jobId })), { instanceOf: ProtocolError }, jobId)
  }
})

test('numbers outside their range are refused', (t) => {
  const header = { type: 'frame', jobId: '1', frame: 1, size: 10, sha256: sha }
  t.throws(() => decodeMessage(frameHeader, bytes({ ...header, frame: -1 })), { instanceOf: ProtocolError })
  t.throws(() => decodeMessage(frameHeader, bytes({ ...header, size: 0 })), { instanceOf: ProtocolError })
  t.throws(() => decodeMessage(submitRequest, bytes(validSubmit({ chunk: 0 }))), { instanceOf: ProtocolError, message: /at chunk/ })
  t.throws(() => decodeMessage(submitRequest, bytes(validSubmit({ priority: 1001 }))), { instanceOf: ProtocolError, message: /at priority/ })
})

test('an unknown admin action is refused', (t) => {
  t.truthy(decodeMessage(adminRequest, bytes({ type: 'job-action', action: 'pause', jobId: '3' })))
  t.throws(() => decodeMessage(adminRequest, bytes({ type: 'job-action', action: 'rm -rf', jobId: '3' })), { instanceOf: ProtocolError, message: /at action/ })
})

test('texts from a peer arrive without control characters: a name cannot forge a log line or move the cursor', (t) => {
  const forged = 'evil\n[12:00:00] job 1 complete\u001b[2J\u202e'
  const hello = decodeMessage(nodeToCoordinator, bytes({ type: 'hello', protocolVersion: 2, name: forged, cores: 8, blenderVersion: forged, platform: 'linux' }))
  t.like(hello, { name: 'evil [12:00:00] job 1 complete?[2J?', blenderVersion: 'evil [12:00:00] job 1 complete?[2J?' })
  const failed = decodeMessage(nodeToCoordinator, bytes({ type: 'frame-failed', taskId: 't', jobId: '1', frame: 1, error: `Traceback:\n  ${forged}` }))
  t.like(failed, { error: 'Traceback:   evil [12:00:00] job 1 complete?[2J?' })
  const submit = decodeMessage(submitRequest, bytes(validSubmit({ name: forged })))
  t.is(submit.name, 'evil [12:00:00] job 1 complete?[2J?')
})
