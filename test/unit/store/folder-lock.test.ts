import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { FolderInUseError, lockFolder } from '../../../src/store/folder-lock.js'
import { tempFolder } from '../../helpers/temp-folder.js'

test('one coordinator per output folder: a second is refused, saying who holds it; the lock goes on release', async (t) => {
  const dir = await tempFolder(t, 'mf-lock-')
  const lock = path.join(dir, '.microfarm', 'lock')
  const release = await lockFolder(lock, dir, { pid: 111, host: 'ws1', isAlive: () => true })
  await t.throwsAsync(lockFolder(lock, dir, { pid: 222, host: 'ws1', isAlive: () => true }), { instanceOf: FolderInUseError, message: /is in use by another coordinator \(pid 111 on ws1, since .*\): stop it first, or give this one another --output-dir$/ })
  await release()
  const again = await lockFolder(lock, dir, { pid: 222, host: 'ws1', isAlive: () => true })
  t.regex(await readFile(lock, 'utf8'), /^222\nws1\n/)
  await again()
})

test('a stale lock (its process is gone) is taken over; one from another host is not', async (t) => {
  const dir = await tempFolder(t, 'mf-lock-')
  const lock = path.join(dir, 'lock')
  await writeFile(lock, '999999\nws1\n2026-12-01T00:00:00.000Z\n')
  const release = await lockFolder(lock, dir, { pid: 5, host: 'ws1', isAlive: (pid) => pid !== 999999 })
  t.regex(await readFile(lock, 'utf8'), /^5\nws1\n/)
  await release()
  await writeFile(lock, '42\nnas\n2026-12-01T00:00:00.000Z\n')
  await t.throwsAsync(lockFolder(lock, dir, { pid: 5, host: 'ws1', isAlive: () => false }), { message: /pid 42 on nas.*if that coordinator is gone for good, remove .*lock/ })
})
