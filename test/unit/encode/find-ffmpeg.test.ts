import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import { FfmpegNotFoundError } from '../../../src/encode/errors.js'
import { findFfmpeg, parseFfmpegVersion } from '../../../src/encode/find-ffmpeg.js'
import { ProgramNotFoundError } from '../../../src/process/run-process.js'
import type { ProcessRunner, RunProcessOptions } from '../../../src/process/run-process.js'

const VERSION_LINE = 'ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers'

function fakeRunner (calls: RunProcessOptions[], exitCode = 0, lines = [VERSION_LINE]): ProcessRunner {
  return async (options) => {
    calls.push(options)
    for (const line of lines) options.onStdoutLine?.(line)
    return { exitCode, signal: null }
  }
}

test('an explicit path wins over FFMPEG and PATH', async (t) => {
  const calls: RunProcessOptions[] = []
  const found = await findFfmpeg({ explicitPath: '/opt/ff/ffmpeg', env: { FFMPEG: '/env/ffmpeg', PATH: '/usr/bin' }, run: fakeRunner(calls) })
  t.deepEqual(found, { path: '/opt/ff/ffmpeg', version: '5.1.9-0+deb12u1' })
  t.is(calls[0]?.command, '/opt/ff/ffmpeg')
  t.deepEqual(calls[0]?.args, ['-version'])
})

test('FFMPEG is used when no path is given', async (t) => {
  const calls: RunProcessOptions[] = []
  const found = await findFfmpeg({ env: { FFMPEG: '/env/ffmpeg' }, run: fakeRunner(calls) })
  t.is(found.path, '/env/ffmpeg')
})

test('PATH is searched for an executable ffmpeg', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-find-'))
  t.teardown(async () => rm(dir, { recursive: true, force: true }))
  const empty = path.join(dir, 'empty')
  const bin = path.join(dir, 'bin')
  await writeFile(path.join(dir, 'ffmpeg'), 'not executable')
  await mkdir(empty)
  await mkdir(bin)
  await writeFile(path.join(bin, 'ffmpeg'), '#!/bin/sh\n')
  await chmod(path.join(bin, 'ffmpeg'), 0o755)
  const calls: RunProcessOptions[] = []
  const found = await findFfmpeg({ env: { PATH: [dir, empty, bin].join(path.delimiter) }, run: fakeRunner(calls) })
  t.is(found.path, path.join(bin, 'ffmpeg'))
})

test('nothing on PATH: the message says how to install it', async (t) => {
  const error = await t.throwsAsync(findFfmpeg({ env: { PATH: '/nonexistent' }, run: fakeRunner([]) }), { instanceOf: FfmpegNotFoundError })
  t.is(error?.name, 'FfmpegNotFoundError')
  t.regex(error?.message ?? '', /apt-get install ffmpeg/)
  t.regex(error?.message ?? '', /brew install ffmpeg/)
  t.regex(error?.message ?? '', /--ffmpeg/)
  t.regex(error?.message ?? '', /FFMPEG=/)
})

test('a broken explicit path is an error naming where it came from, with the cause', async (t) => {
  const cause = new ProgramNotFoundError('cannot run /nope: not found')
  const run: ProcessRunner = async () => { throw cause }
  const error = await t.throwsAsync(findFfmpeg({ explicitPath: '/nope', env: { PATH: '/usr/bin' }, run }), { instanceOf: FfmpegNotFoundError })
  t.regex(error?.message ?? '', /\/nope \(from --ffmpeg\)/)
  t.is(error?.cause, cause)
})

test('a program that is not ffmpeg, or fails, is refused', async (t) => {
  await t.throwsAsync(findFfmpeg({ explicitPath: '/bin/true', run: fakeRunner([], 0, ['hello']) }), { instanceOf: FfmpegNotFoundError, message: /did not print an ffmpeg version/ })
  await t.throwsAsync(findFfmpeg({ env: { FFMPEG: '/x/ffmpeg' }, run: fakeRunner([], 1) }), { instanceOf: FfmpegNotFoundError, message: /FFMPEG variable.*exited with 1/ })
})

test('version parsing', (t) => {
  t.is(parseFfmpegVersion([VERSION_LINE, 'built with gcc 12']), '5.1.9-0+deb12u1')
  t.is(parseFfmpegVersion(['ffmpeg version n7.1 Copyright']), 'n7.1')
  t.is(parseFfmpegVersion(['ffprobe version 5.1']), undefined)
})
