import test from 'ava'
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { readLocalCoordinators, readRemembered, rememberReached, writeLocalCoordinator } from '../../../src/discovery/known-farms-files.js'
import { tempFolder } from '../../helpers/temp-folder.js'

async function peer (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

const at = (peerId: string, port = 9090): string => `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`

test('a coordinator\'s address file: 0600 in a 0700 folder, read back, removed by its writer', async (t) => {
  const home = await tempFolder(t)
  const peerId = await peer()
  const remove = await writeLocalCoordinator({ farm: 'studio', peerId, addresses: [`/ip4/192.168.1.5/tcp/9090/p2p/${peerId}`, at(peerId)], private: true }, home)
  const dir = path.join(home, 'coordinators')
  t.is((await stat(dir)).mode & 0o777, 0o700)
  t.is((await stat(path.join(dir, `${peerId}.json`))).mode & 0o777, 0o600)
  const { records, problems } = await readLocalCoordinators(home)
  t.deepEqual(problems, [])
  t.is(records.length, 1)
  t.like(records[0], { farm: 'studio', peerId, private: true, pid: process.pid })
  t.is(records[0]?.addresses[0], at(peerId), 'loopback first')
  await remove()
  t.deepEqual(await readdir(dir), [])
})

test('a file left by a coordinator that is gone is removed, not used', async (t) => {
  const home = await tempFolder(t)
  const peerId = await peer()
  await writeLocalCoordinator({ farm: 'studio', peerId, addresses: [at(peerId)], private: false }, home)
  const { records } = await readLocalCoordinators(home, () => false)
  t.deepEqual(records, [])
  t.deepEqual(await readdir(path.join(home, 'coordinators')), [])
})

test('files others may write, that are not JSON, or that point at another peer are ignored and said', async (t) => {
  const home = await tempFolder(t)
  const dir = path.join(home, 'coordinators')
  await mkdir(dir, { recursive: true })
  const [a, b, c, d] = [await peer(), await peer(), await peer(), await peer()]
  const record = (peerId: string, addressPeer = peerId): string => JSON.stringify({ v: 1, farm: 'x', peerId, addresses: [at(addressPeer)], private: false, pid: process.pid, host: 'h' })
  await writeFile(path.join(dir, `${a}.json`), record(a), { mode: 0o600 })
  await chmod(path.join(dir, `${a}.json`), 0o666)
  await writeFile(path.join(dir, `${b}.json`), '{"v":1,', { mode: 0o600 })
  await writeFile(path.join(dir, `${c}.json`), record(c, d), { mode: 0o600 })
  await writeFile(path.join(dir, `${d}.json`), record(c), { mode: 0o600 })
  const { records, problems } = await readLocalCoordinators(home)
  t.deepEqual(records, [])
  t.is(problems.length, 4)
  t.true(problems.some(p => /can be written by other users/.test(p)))
  t.true(problems.some(p => /is not JSON/.test(p)))
  t.true(problems.some(p => /addresses of another peer/.test(p)))
  t.true(problems.some(p => /names another coordinator/.test(p)))
})

test('the farm used last: remembered 0600, rewritten only when it changes, a bad file ignored', async (t) => {
  const home = await tempFolder(t)
  const peerId = await peer()
  t.deepEqual(await readRemembered(home), {})
  await rememberReached({ peerId, farm: 'studio', addresses: [at(peerId)], private: false }, home)
  const file = path.join(home, 'last-farm.json')
  t.is((await stat(file)).mode & 0o777, 0o600)
  const written = (await stat(file)).mtimeMs
  await rememberReached({ peerId, addresses: [at(peerId)], private: false }, home)
  t.is((await stat(file)).mtimeMs, written)
  t.like((await readRemembered(home)).remembered, { farm: 'studio', peerId })
  await writeFile(file, JSON.stringify({ v: 1, peerId, addresses: ['/ip4/127.0.0.1/tcp/1/p2p/x'], private: false }))
  t.regex((await readRemembered(home)).problem ?? '', /not a record MicroFarm reads/)
})
