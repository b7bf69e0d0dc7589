import test from 'ava'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ifExists, isMissing } from '../../../src/util/if-exists.js'
import { tempFolder } from '../../helpers/temp-folder.js'

test('a path that does not exist gives undefined; one that does, its value', async t => {
  const dir = await tempFolder(t, 'mf-if-exists-')
  await writeFile(path.join(dir, 'here.txt'), 'hello')
  t.is(await ifExists(readFile(path.join(dir, 'here.txt'), 'utf8')), 'hello')
  t.is(await ifExists(readFile(path.join(dir, 'gone.txt'), 'utf8')), undefined)
  t.is(await ifExists(stat(path.join(dir, 'no', 'such', 'folder'))), undefined)
  t.deepEqual(await ifExists(readdir(dir)), ['here.txt'])
})

test('every other failure is thrown as it came: a file where a folder should be, a folder read as a file', async t => {
  const dir = await tempFolder(t, 'mf-if-exists-')
  await writeFile(path.join(dir, 'file'), 'x')
  await t.throwsAsync(ifExists(stat(path.join(dir, 'file', 'inside'))), { code: 'ENOTDIR' })
  await t.throwsAsync(ifExists(readFile(dir)), { code: 'EISDIR' })
  const denied = Object.assign(new Error('permission denied'), { code: 'EACCES' })
  t.is(await t.throwsAsync(ifExists(Promise.reject(denied))), denied)
})

test('isMissing: ENOENT only, whatever else is thrown', t => {
  t.true(isMissing(Object.assign(new Error('no such file'), { code: 'ENOENT' })))
  t.false(isMissing(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' })))
  t.false(isMissing(new Error('ENOENT')))
  t.false(isMissing('ENOENT'))
  t.false(isMissing(undefined))
  t.false(isMissing(null))
})
