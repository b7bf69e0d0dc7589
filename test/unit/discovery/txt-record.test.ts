import test from 'ava'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { fromTxt, toTxt } from '../../../src/discovery/txt-record.js'
import type { CoordinatorAdvert } from '../../../src/discovery/txt-record.js'
import { dialable } from '../../../src/discovery/browse.js'
import { assertCanJoin } from '../../../src/discovery/locate.js'

async function newPeerId (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

async function advert (overrides: Partial<CoordinatorAdvert> = {}): Promise<CoordinatorAdvert> {
  return { farm: 'studio', peerId: await newPeerId(), addresses: ['/ip4/192.168.1.20/tcp/9090', '/ip6/fe80::1/tcp/9090'], private: false, ...overrides }
}

function without (txt: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(txt).filter(([name]) => name !== key))
}

test('an advert survives toTxt and fromTxt', async (t) => {
  const original = await advert()
  const txt = toTxt(original)
  t.is(txt.v, '1')
  for (const value of Object.values(txt)) t.is(typeof value, 'string')
  t.deepEqual(fromTxt(txt), original)
})

test('each address gets its own key, at most eight', async (t) => {
  const addresses = Array.from({ length: 10 }, (_, i) => `/ip4/10.0.0.${i + 1}/tcp/9090`)
  const txt = toTxt(await advert({ addresses }))
  t.is(txt.a0, addresses[0])
  t.is(txt.a7, addresses[7])
  t.is(txt.a8, undefined)
  for (const value of Object.values(txt)) t.true(Buffer.byteLength(value) <= 255)
  t.deepEqual(fromTxt(txt)?.addresses, addresses.slice(0, 8))
})

test('a record that is not an object is rejected', (t) => {
  for (const txt of [undefined, null, 'farm=studio', 42, true]) t.is(fromTxt(txt), undefined)
})

test('a record without a peer, or with a bad peer id, is rejected', async (t) => {
  const txt = toTxt(await advert())
  t.is(fromTxt(without(txt, 'peer')), undefined)
  for (const peer of ['', 'not-a-peer-id', '0'.repeat(52), `${txt.peer}/../x`, 'Q'.repeat(39), 'Q'.repeat(61)]) {
    t.is(fromTxt({ ...txt, peer }), undefined, peer)
  }
})

test('a record without a farm name is rejected', async (t) => {
  const txt = toTxt(await advert())
  t.is(fromTxt({ ...txt, farm: '' }), undefined)
  t.is(fromTxt(without(txt, 'farm')), undefined)
})

test('values that are not strings are rejected or dropped', async (t) => {
  const txt = toTxt(await advert())
  t.is(fromTxt({ ...txt, peer: 12345 }), undefined)
  t.is(fromTxt({ ...txt, farm: ['studio'] }), undefined)
  t.deepEqual(fromTxt({ ...txt, a0: Buffer.from('/ip4/1.2.3.4/tcp/1'), a1: 9090 })?.addresses, [])
})

test('addresses that are not /ip4|ip6/…/tcp/<port> are dropped', async (t) => {
  const txt = toTxt(await advert({ addresses: [] }))
  const result = fromTxt({
    ...txt,
    a0: '/ip4/192.168.1.20/tcp/9090',
    a1: '/ip4/192.168.1.20/udp/9090',
    a2: '/dns4/example.com/tcp/9090',
    a3: '/ip4/192.168.1.20/tcp/9090/p2p/QmSomeoneElse',
    a4: '/ip4/192.168.1.20/tcp/http',
    a5: 'ip4/192.168.1.20/tcp/9090',
    a6: '/ip6/::1/tcp/4001',
  })
  t.deepEqual(result?.addresses, ['/ip4/192.168.1.20/tcp/9090', '/ip6/::1/tcp/4001'])
})

test('dialable puts the answering address first and ends every address in /p2p/<peer>', async (t) => {
  const found = await advert({ addresses: ['/ip4/192.168.1.20/tcp/9090', '/ip4/10.0.0.5/tcp/9090'] })
  t.deepEqual(dialable(found, '10.0.0.5', 9090), [
    `/ip4/10.0.0.5/tcp/9090/p2p/${found.peerId}`,
    `/ip4/192.168.1.20/tcp/9090/p2p/${found.peerId}`,
  ])
})

test('dialable ignores a referer that is not an IPv4 address or a port that is not valid', async (t) => {
  const found = await advert({ addresses: ['/ip4/192.168.1.20/tcp/9090'] })
  const only = [`/ip4/192.168.1.20/tcp/9090/p2p/${found.peerId}`]
  t.deepEqual(dialable(found, undefined, 9090), only)
  t.deepEqual(dialable(found, 'fe80::1', 9090), only)
  t.deepEqual(dialable(found, '1.2.3.4/tcp/1/p2p/x', 9090), only)
  t.deepEqual(dialable(found, '192.168.1.30', 0), only)
  t.deepEqual(dialable(found, '192.168.1.30', 1.5), only)
})

test('dialable of an advert without addresses uses the referer alone', async (t) => {
  const found = await advert({ addresses: [] })
  t.deepEqual(dialable(found, '192.168.1.30', 9091), [`/ip4/192.168.1.30/tcp/9091/p2p/${found.peerId}`])
  t.deepEqual(dialable(found, undefined, 9091), [])
})

test('a private farm says so, and nothing more: no key, no secret in any value', async (t) => {
  const txt = toTxt(await advert({ private: true }))
  t.is(txt.private, '1')
  t.true(fromTxt(txt)?.private)
  t.deepEqual(Object.keys(txt).sort(), ['a0', 'a1', 'farm', 'peer', 'private', 'v'])
  t.false(Object.values(txt).some(value => /key|psk|[0-9a-f]{64}/i.test(value)))
  t.false(fromTxt(toTxt(await advert()))?.private)
})

test('a private farm found without a key is refused before any dial, saying what to pass', async (t) => {
  const found = [{ farm: 'studio', peerId: await newPeerId(), multiaddrs: [], private: true }]
  t.throws(() => { assertCanJoin(found, false) }, { name: 'FarmKeyError', message: 'farm "studio" is private: pass --key FILE (ask whoever runs the coordinator)' })
  t.notThrows(() => { assertCanJoin(found, true) })
  t.notThrows(() => { assertCanJoin([{ ...found[0] as typeof found[number], private: false }], false) })
})
