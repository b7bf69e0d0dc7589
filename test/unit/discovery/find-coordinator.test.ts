import test from 'ava'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { findCoordinator } from '../../../src/discovery/find-coordinator.js'
import type { FindInit } from '../../../src/discovery/find-coordinator.js'
import { rememberReached, writeLocalCoordinator } from '../../../src/discovery/known-farms-files.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// The order a client tries known coordinators in, with dialing faked: none of
// these cases may reach mDNS (a probe that is asked for an address nobody
// expects fails the test).

async function peer (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

const at = (peerId: string, port: number): string => `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`

function init (home: string, answering: readonly string[], notes: string[], o: Partial<FindInit> = {}): FindInit {
  return {
    home,
    hasKey: false,
    timeoutMs: 1,
    onNote: (line) => { notes.push(line) },
    probe: async (addresses) => addresses.some(a => answering.includes(a)),
    ...o,
  }
}

test('the farm used last answers: used at once, and the other farm known here is said', async (t) => {
  const home = await tempFolder(t)
  const [studio, here] = [await peer(), await peer()]
  await rememberReached({ peerId: studio, farm: 'studio', addresses: [at(studio, 9090)], private: false }, home)
  await writeLocalCoordinator({ farm: 'test', peerId: here, addresses: [at(here, 9191)], private: false }, home)
  const notes: string[] = []
  const target = await findCoordinator(init(home, [at(studio, 9090)], notes))
  t.deepEqual(target.coordinators.map(c => c.peerId), [studio])
  t.deepEqual(notes, ['using farm "studio" (the one you used last); also known: test. Choose with --farm NAME'])
})

test('the farm used last is gone: this machine\'s coordinator answers, and that is said', async (t) => {
  const home = await tempFolder(t)
  const [gone, here] = [await peer(), await peer()]
  await rememberReached({ peerId: gone, farm: 'studio', addresses: [at(gone, 9090)], private: false }, home)
  await writeLocalCoordinator({ farm: 'test', peerId: here, addresses: [at(here, 9191)], private: false }, home)
  const notes: string[] = []
  const target = await findCoordinator(init(home, [at(here, 9191)], notes))
  t.deepEqual(target.coordinators.map(c => [c.peerId, c.farm]), [[here, 'test']])
  t.deepEqual(notes, ['the farm you used last ("studio") does not answer; using farm "test" on this machine'])
})

test('two farms answer on this machine and none was used before: refused, never guessed', async (t) => {
  const home = await tempFolder(t)
  const [a, b] = [await peer(), await peer()]
  await writeLocalCoordinator({ farm: 'alpha', peerId: a, addresses: [at(a, 9001)], private: false }, home)
  await writeLocalCoordinator({ farm: 'beta', peerId: b, addresses: [at(b, 9002)], private: false }, home)
  await t.throwsAsync(findCoordinator(init(home, [at(a, 9001), at(b, 9002)], [])), { name: 'SeveralFarmsError', message: /alpha, beta/ })
  const chosen = await findCoordinator(init(home, [at(a, 9001), at(b, 9002)], [], { farm: 'beta' }))
  t.deepEqual(chosen.coordinators.map(c => c.peerId), [b])
})

test('a private farm without its key is said before any dial', async (t) => {
  const home = await tempFolder(t)
  const id = await peer()
  await writeLocalCoordinator({ farm: 'closed', peerId: id, addresses: [at(id, 9003)], private: true }, home)
  const dialed: string[] = []
  const probe: FindInit['probe'] = async (addresses) => { dialed.push(...addresses); return true }
  await t.throwsAsync(findCoordinator(init(home, [], [], { probe })), { name: 'FarmKeyError', message: 'farm "closed" is private: pass --key FILE (ask whoever runs the coordinator)' })
  t.deepEqual(dialed, [])
  t.is((await findCoordinator(init(home, [], [], { probe, hasKey: true }))).coordinators[0]?.peerId, id)
})
