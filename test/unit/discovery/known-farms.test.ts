import test from 'ava'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { addressesMatchPeer, chooseFound, describeChoice, knownCandidates, nextRemembered } from '../../../src/discovery/known-farms.js'
import type { LocalCoordinatorRecord, RememberedFarm } from '../../../src/discovery/known-farms.js'
import type { FoundCoordinator } from '../../../src/discovery/browse.js'

async function peer (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

const at = (ip: string, peerId: string): string => `/ip4/${ip}/tcp/9090/p2p/${peerId}`

function local (farm: string, peerId: string, ips = ['192.168.1.5', '127.0.0.1']): LocalCoordinatorRecord {
  return { v: 1, farm, peerId, addresses: ips.map(ip => at(ip, peerId)), private: false, pid: 4242, host: 'here' }
}

function remembered (peerId: string, farm?: string): RememberedFarm {
  return { v: 1, ...(farm !== undefined ? { farm } : {}), peerId, addresses: [at('192.168.1.20', peerId)], private: false }
}

function found (farm: string, peerId: string): FoundCoordinator {
  return { farm, peerId, multiaddrs: [at('192.168.1.30', peerId)], private: false }
}

test('the farm used last is tried first, then this machine\'s coordinators, loopback first', async (t) => {
  const [studio, here] = [await peer(), await peer()]
  const order = knownCandidates({ remembered: remembered(studio, 'studio'), local: [local('test', here)] })
  t.deepEqual(order.map(c => [c.peerId, c.why]), [[studio, 'remembered'], [here, 'local']])
  t.deepEqual(order[1]?.addresses, [at('127.0.0.1', here), at('192.168.1.5', here)])
})

test('--farm keeps only that farm; a remembered coordinator of unknown name matches none', async (t) => {
  const [studio, here] = [await peer(), await peer()]
  t.deepEqual(knownCandidates({ farm: 'test', remembered: remembered(studio, 'studio'), local: [local('test', here)] }).map(c => c.peerId), [here])
  t.deepEqual(knownCandidates({ farm: 'studio', remembered: remembered(studio), local: [] }), [])
  t.deepEqual(knownCandidates({ farm: 'studio', remembered: remembered(studio, 'studio'), local: [] }).map(c => c.peerId), [studio])
})

test('a remembered coordinator that runs here is tried once, with its local addresses and name', async (t) => {
  const id = await peer()
  const [only, ...rest] = knownCandidates({ remembered: remembered(id), local: [local('studio', id)] })
  t.is(rest.length, 0)
  t.is(only?.why, 'remembered')
  t.is(only?.farm, 'studio')
  t.is(only?.addresses[0], at('127.0.0.1', id))
  t.true(only?.addresses.includes(at('192.168.1.20', id)))
})

test('mDNS answers: the farm used last wins, and the choice is said when others answered', async (t) => {
  const [studio, other] = [await peer(), await peer()]
  const { chosen, note } = chooseFound([found('garage', other), found('studio', studio)], remembered(studio, 'studio'))
  t.deepEqual(chosen.map(c => c.peerId), [studio])
  t.is(note, 'using farm "studio" (the one you used last); also known: garage. Choose with --farm NAME')
  t.is(chooseFound([found('studio', studio)], remembered(studio, 'studio')).note, undefined)
})

test('mDNS answers: several farms and nothing remembered is refused, never guessed', async (t) => {
  const [a, b, gone] = [await peer(), await peer(), await peer()]
  t.throws(() => chooseFound([found('garage', a), found('studio', b)], undefined), { name: 'SeveralFarmsError', message: /garage, studio/ })
  t.throws(() => chooseFound([found('garage', a), found('studio', b)], remembered(gone, 'gone')), { name: 'SeveralFarmsError' })
  t.deepEqual(chooseFound([found('garage', a)], undefined), { chosen: [found('garage', a)] })
})

test('mDNS answers without the farm used last: the one that answers is used, and that is said', async (t) => {
  const [gone, now] = [await peer(), await peer()]
  t.is(chooseFound([found('garage', now)], remembered(gone, 'studio')).note, 'the farm you used last ("studio") does not answer; using farm "garage"')
  t.regex(chooseFound([found('studio', now)], remembered(gone, 'studio')).note ?? '', /another coordinator than last time/)
})

test('a local choice among other known farms is said', (t) => {
  t.is(describeChoice({ farm: 'test', why: 'local' }, [{ farm: 'studio' }, { farm: 'test' }]), 'using farm "test" (the one on this machine); also known: studio. Choose with --farm NAME')
  t.is(describeChoice({ farm: 'test', why: 'local' }, [{ farm: 'test' }]), undefined)
})

test('what is remembered: written only when it changes, the name kept, other peers\' addresses dropped', async (t) => {
  const [id, other] = [await peer(), await peer()]
  const first = nextRemembered(undefined, { peerId: id, farm: 'studio', addresses: [at('10.0.0.1', id), at('10.0.0.2', other)], private: true })
  t.deepEqual(first, { v: 1, farm: 'studio', peerId: id, addresses: [at('10.0.0.1', id)], private: true })
  t.is(nextRemembered(first, { peerId: id, farm: 'studio', addresses: [at('10.0.0.1', id)], private: true }), undefined)
  // Reached again with --coordinator, which does not learn the farm's name.
  t.is(nextRemembered(first, { peerId: id, addresses: [at('10.0.0.1', id)], private: true }), undefined)
  t.is(nextRemembered(first, { peerId: other, addresses: [at('10.0.0.3', other)], private: false })?.farm, undefined)
  t.is(nextRemembered(undefined, { peerId: id, addresses: [at('10.0.0.2', other)], private: false }), undefined)
  // Reached over the LAN: the coordinator's loopback is not this machine's.
  t.deepEqual(nextRemembered(undefined, { peerId: id, addresses: [at('10.0.0.1', id), at('127.0.0.1', id)], private: false })?.addresses, [at('10.0.0.1', id)])
  t.deepEqual(nextRemembered(undefined, { peerId: id, addresses: [at('127.0.0.1', id), at('10.0.0.1', id)], private: false })?.addresses, [at('127.0.0.1', id), at('10.0.0.1', id)])
})

test('a record\'s addresses must all name its own peer', async (t) => {
  const [id, other] = [await peer(), await peer()]
  t.true(addressesMatchPeer({ peerId: id, addresses: [at('10.0.0.1', id)] }))
  t.false(addressesMatchPeer({ peerId: id, addresses: [at('10.0.0.1', id), at('10.0.0.1', other)] }))
})
