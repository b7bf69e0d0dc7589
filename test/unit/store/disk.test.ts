import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { DISK_RESERVE_BYTES, DiskFullError, DiskReservations, ensureRoom, fileHasSize, freeBytes, isDiskFull } from '../../../src/store/disk.js'
import { tempFolder } from '../../helpers/temp-folder.js'

test('ensureRoom passes what fits and refuses what does not, saying how much is needed and free', async (t) => {
  const dir = await tempFolder(t)
  const free = await freeBytes(dir)
  t.true(free > 0)
  await t.notThrowsAsync(ensureRoom(dir, 1, 'a small file'))
  const error = await t.throwsAsync(ensureRoom(dir, free * 2, 'frame 7 of job 3'), { instanceOf: DiskFullError })
  t.regex(error?.message ?? '', /^no room on the coordinator's disk for frame 7 of job 3: .* needed \(and 16 MiB kept free\), .* free under .*mf-unit-.* \(free some space there\)$/)
})

test('isDiskFull knows ENOSPC, EDQUOT and DiskFullError, and nothing else', (t) => {
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code })
  t.true(isDiskFull(errno('ENOSPC')))
  t.true(isDiskFull(errno('EDQUOT')))
  t.true(isDiskFull(new DiskFullError('full')))
  t.false(isDiskFull(errno('EACCES')))
  t.false(isDiskFull(new Error('ENOSPC in a message only')))
  t.false(isDiskFull(undefined))
})

test('fileHasSize: the size must match; a missing file is no error', async (t) => {
  const dir = await tempFolder(t)
  const file = path.join(dir, 'a.bin')
  await writeFile(file, 'four')
  t.true(await fileHasSize(file, 4))
  t.false(await fileHasSize(file, 5))
  t.false(await fileHasSize(path.join(dir, 'none'), 4))
})

// Issue 11, finding 10: three 60 GiB announcements were all accepted with 78 GB free.
test('room promised to one upload is not promised to the next; it is free again once released', async (t) => {
  const dir = await tempFolder(t, 'mf-reserve-')
  const disk = new DiskReservations()
  const free = await freeBytes(dir)
  const most = free - DISK_RESERVE_BYTES - 64 * 1024 * 1024
  const release = await disk.reserve(dir, most, 'the first upload')
  await t.throwsAsync(disk.reserve(dir, most, 'the second upload'), { instanceOf: DiskFullError, message: /no room on the coordinator's disk for the second upload: .* promised to uploads under way/ })
  release()
  release()
  t.is(disk.promised, 0, 'a release counts once')
  const again = await disk.reserve(dir, most, 'the second upload')
  again()
})
