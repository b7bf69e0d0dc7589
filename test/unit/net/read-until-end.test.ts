import test from 'ava'
import type { ExecutionContext } from 'ava'
import { streamPair } from '@libp2p/utils'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Host } from '../../../src/net/host.js'
import { createHost } from '../../../src/net/host.js'
import { ephemeralIdentity } from '../../../src/net/identity.js'
import { CoordinatorEvents } from '../../../src/coordinator/events.js'
import { guarded } from '../../../src/coordinator/handlers/guard.js'
import { ProtocolError } from '../../../src/protocol/errors.js'
import { framed, rawExchange, readUntilEnd } from '../../helpers/fuzz-wire.js'
import type { Reply } from '../../helpers/fuzz-wire.js'

// A stream whose both halves closed before anyone read it, with the peer's
// reply still in its buffer (a refusal sent before the request was read
// arrives, with its end, while dialProtocol is still negotiating). The
// stream's own iterator (@libp2p/utils 7.4.1) yields that reply and then
// waits for 'close' or 'remoteCloseWrite', which already fired, and abort()
// on a closed stream does nothing: the fuzz peers hung there for good.

const REFUSED = '/test/refused-before-read/1.0.0'
const READ_MS = 1000

/** The reply, or 'hung' when the read did not end well after its own deadline. */
async function settled (reading: Promise<Reply | undefined>): Promise<Reply | undefined | 'hung'> {
  return Promise.race([reading, sleep(READ_MS + 2000).then(() => 'hung' as const)])
}

const text = (reply: Reply | undefined | 'hung'): string => typeof reply === 'object' ? Buffer.from(reply.bytes).toString() : String(reply)

async function host (t: ExecutionContext, listenPort?: number): Promise<Host> {
  const h = await createHost({ privateKey: await ephemeralIdentity(), ...(listenPort !== undefined ? { listenPort } : {}) })
  t.teardown(async () => { await h.stop() })
  return h
}

test('readUntilEnd ends on a stream that closed both ways before it was read', async (t) => {
  const [client, server] = await streamPair()
  client.send(framed({ type: 'list-jobs' }))
  server.send(framed({ type: 'error', message: 'refused' }))
  await Promise.all([server.close(), client.close()])
  await sleep(20)
  t.is(client.status, 'closed')
  t.true(client.readBufferLength > 0, 'the reply waits unread in the stream')
  const reply = await settled(readUntilEnd(client, READ_MS))
  t.not(reply, 'hung')
  t.false(typeof reply === 'object' && reply.timedOut)
  t.regex(text(reply), /"type":"error","message":"refused"/)
})

test('a request refused by the guard before it is read gets its error reply, and the connection serves on', async (t) => {
  const coordinator = await host(t, 0)
  const peer = await host(t)
  const events = new CoordinatorEvents()
  await coordinator.handle(REFUSED, guarded(REFUSED, events, async () => { throw new ProtocolError('refused before reading') }))
  const address = coordinator.getMultiaddrs().find(a => a.toString().includes('/127.0.0.1/'))?.toString()
  if (address === undefined) return t.fail('the coordinator listens on no loopback address')
  for (let i = 0; i < 3; i++) {
    const reply = await settled(rawExchange(peer, address, REFUSED, framed({ type: 'list-jobs', pad: 'x'.repeat(80) }), 'close', READ_MS))
    t.not(reply, 'hung', `exchange ${i}`)
    t.false(typeof reply === 'object' && reply.timedOut, `exchange ${i} timed out`)
    t.regex(text(reply), /"type":"error","message":"refused before reading"/, `exchange ${i}`)
  }
  t.is(peer.getConnections().length, 1, 'all on one connection')
})

test('readUntilEnd still gives up at its deadline on a peer that never answers, and resets the stream', async (t) => {
  const [client] = await streamPair()
  client.send(framed({ type: 'list-jobs' }))
  await client.close()
  const reply = await settled(readUntilEnd(client, 200))
  t.true(typeof reply === 'object' && reply.timedOut)
  t.is(client.status, 'aborted')
})
