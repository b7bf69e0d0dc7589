import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { FarmKeyError, readFarmKey, writeNewFarmKey } from '../../../src/net/farm-key.js'
import { IdentityError, loadOrCreateIdentity } from '../../../src/net/identity.js'
import { tempFolder } from '../../helpers/temp-folder.js'

test('a new farm key is the private-network key format, readable by its owner only, and reads back', async (t) => {
  const file = path.join(await tempFolder(t, 'mf-key-'), 'keys', 'farm.key')
  await writeNewFarmKey(file)
  const text = await readFile(file, 'utf8')
  t.regex(text, /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
  t.is(text.length, 95)
  t.is((await stat(file)).mode & 0o777, 0o600)
  t.is(new TextDecoder().decode(await readFarmKey(file)), text)
})

test('a key is never overwritten; a key others can read, a missing one and a damaged one are refused, naming the file and never its content', async (t) => {
  const dir = await tempFolder(t, 'mf-key-')
  const file = path.join(dir, 'farm.key')
  await writeNewFarmKey(file)
  const secret = (await readFile(file, 'utf8')).split('\n')[2] ?? ''
  await t.throwsAsync(writeNewFarmKey(file), { instanceOf: FarmKeyError, message: /exists already: a farm key is never overwritten/ })
  await chmod(file, 0o644)
  const open = await t.throwsAsync(readFarmKey(file), { instanceOf: FarmKeyError, message: /can be read by other users \(mode 644\): run chmod 600 / })
  t.false(open?.message.includes(secret))
  await t.throwsAsync(readFarmKey(path.join(dir, 'none.key')), { instanceOf: FarmKeyError, message: /no farm key at .*none\.key: copy the farm's key file there/ })
  const broken = path.join(dir, 'broken.key')
  await writeFile(broken, `/key/swarm/psk/1.0.0/\n/base16/\n${secret.slice(0, 10)}`, { mode: 0o600 })
  const damaged = await t.throwsAsync(readFarmKey(broken), { instanceOf: FarmKeyError, message: /is not a farm key/ })
  t.false(damaged?.message.includes(secret.slice(0, 10)))
})

test('a key file written on Windows (CRLF, upper case) reads as the same key', async (t) => {
  const dir = await tempFolder(t, 'mf-key-')
  const file = path.join(dir, 'farm.key')
  const hex = 'AB'.repeat(32)
  await writeFile(file, `/key/swarm/psk/1.0.0/\r\n/base16/\r\n${hex}\r\n`, { mode: 0o600 })
  t.is(new TextDecoder().decode(await readFarmKey(file)), `/key/swarm/psk/1.0.0/\n/base16/\n${hex.toLowerCase()}`)
})

test('an identity key made by two processes at once is one key; one others can read is refused', async (t) => {
  const dir = await tempFolder(t, 'mf-identity-')
  const file = path.join(dir, 'user', 'identity.key')
  const [a, b] = await Promise.all([loadOrCreateIdentity(file), loadOrCreateIdentity(file)])
  t.true(a.equals(b), 'both callers use the key that is on disk')
  t.true((await loadOrCreateIdentity(file)).equals(a))
  t.is((await stat(file)).mode & 0o777, 0o600)
  await chmod(file, 0o644)
  await t.throwsAsync(loadOrCreateIdentity(file), { instanceOf: IdentityError, message: /can be read by other users: run chmod 600/ })
})
