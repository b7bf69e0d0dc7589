import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { streamPair } from '@libp2p/utils'
import { PayloadError, receiveFile, sendFile, sha256File } from '../../../src/net/payload.js'
import { ProtocolError } from '../../../src/protocol/errors.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// Serial: each test that refuses an upload captures uncaught exceptions
// while it runs, which is process-wide.

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

/** Runs `fn` with uncaught exceptions captured instead of ending the process; returns them. */
async function capturingUncaught (fn: () => Promise<void>): Promise<Error[]> {
  const caught: Error[] = []
  process.setUncaughtExceptionCaptureCallback((err) => { caught.push(err instanceof Error ? err : new Error(String(err))) })
  try {
    await fn()
    // The stray close fails a moment after receiveFile has settled.
    await sleep(100)
  } finally {
    process.setUncaughtExceptionCaptureCallback(null)
  }
  return caught
}

/** A refused upload must not throw anything outside receiveFile (a stray close once ended the process). */
function noUncaught (t: ExecutionContext, caught: Error[]): void {
  t.deepEqual(caught.map(err => err.stack ?? err.message), [])
}

test.serial('sendFile and receiveFile move a few MiB intact', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(3 * 1024 * 1024 + 12345)
  const source = path.join(dir, 'source.png')
  const target = path.join(dir, '.target.part')
  await writeFile(source, data)
  const [outbound, inbound] = await streamPair()
  const receiving = receiveFile(inbound, { size: data.byteLength, sha256: sha256(data), tempPath: target })
  const sent = await sendFile(outbound, source)
  await outbound.close()
  await receiving
  t.is(sent, data.byteLength)
  const received = await readFile(target)
  t.is(received.byteLength, data.byteLength)
  t.is(sha256(received), sha256(data))
  t.is(await sha256File(target), sha256(data))
})

test.serial('an empty file needs no bytes', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const target = path.join(dir, '.empty.part')
  const [, inbound] = await streamPair()
  await receiveFile(inbound, { size: 0, sha256: sha256(new Uint8Array()), tempPath: target })
  t.is((await readFile(target)).byteLength, 0)
})

test.serial('a wrong announced hash is a PayloadError and leaves no file', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(64 * 1024)
  const target = path.join(dir, '.bad-hash.part')
  const caught = await capturingUncaught(async () => {
    const [outbound, inbound] = await streamPair()
    const receiving = receiveFile(inbound, { size: data.byteLength, sha256: 'f'.repeat(64), tempPath: target })
    outbound.send(data)
    await outbound.close()
    const err = await t.throwsAsync(receiving, { instanceOf: PayloadError, message: /content hash mismatch: announced ffffffffffff/ })
    t.true(err instanceof ProtocolError)
    t.is(err?.name, 'PayloadError')
  })
  noUncaught(t, caught)
  t.deepEqual(await readdir(dir), [])
})

test.serial('fewer bytes than announced, then the stream ends: PayloadError and no file', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(1000)
  const target = path.join(dir, '.short.part')
  const caught = await capturingUncaught(async () => {
    const [outbound, inbound] = await streamPair()
    const receiving = receiveFile(inbound, { size: 2000, sha256: sha256(data), tempPath: target })
    outbound.send(data)
    await outbound.close()
    await t.throwsAsync(receiving, { instanceOf: PayloadError, message: /ended after 1000 of 2000 bytes/ })
  })
  noUncaught(t, caught)
  t.deepEqual(await readdir(dir), [])
})

test.serial('more bytes than announced: PayloadError and no file', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(1500)
  const target = path.join(dir, '.long.part')
  const caught = await capturingUncaught(async () => {
    const [outbound, inbound] = await streamPair()
    const receiving = receiveFile(inbound, { size: 1000, sha256: sha256(data.subarray(0, 1000)), tempPath: target })
    outbound.send(data)
    await outbound.close()
    await t.throwsAsync(receiving, { instanceOf: PayloadError, message: /more than the announced 1000 bytes/ })
  })
  noUncaught(t, caught)
  t.deepEqual(await readdir(dir), [])
})

test.serial('an aborted receive stops and removes the partial file', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const target = path.join(dir, '.aborted.part')
  const reason = new Error('upload cancelled')
  const caught = await capturingUncaught(async () => {
    const [outbound, inbound] = await streamPair()
    const controller = new AbortController()
    const receiving = receiveFile(inbound, { size: 10_000, sha256: 'a'.repeat(64), tempPath: target, signal: controller.signal })
    outbound.send(randomBytes(100))
    controller.abort(reason)
    t.is(await t.throwsAsync(receiving), reason)
  })
  noUncaught(t, caught)
  t.deepEqual(await readdir(dir), [])
})

// Regression: receiveFile once closed its file twice on a refused upload (a write
// stream and its FileHandle); the stray EBADF was uncaught and ended the coordinator.
test.serial('a refused upload raises no uncaught exception', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(1500)
  const caught = await capturingUncaught(async () => {
    const [outbound, inbound] = await streamPair()
    const receiving = receiveFile(inbound, { size: 1000, sha256: sha256(data), tempPath: path.join(dir, '.x.part') })
    outbound.send(data)
    await outbound.close()
    await receiving.catch(() => undefined)
  })
  t.deepEqual(caught.map(err => err.message), [])
})

// Regression: the sender sent part of the file and closed before receiveFile
// started listening; the stream's own iterator then waited forever for a
// 'remoteCloseWrite' event that had already fired.
test.serial('a short upload that closed before the receiver started reading is a PayloadError', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(1000)
  const caught = await capturingUncaught(async () => {
    const [outbound, inbound] = await streamPair()
    outbound.send(data)
    await outbound.close()
    await sleep(20)
    const receiving = receiveFile(inbound, { size: 2000, sha256: sha256(data), tempPath: path.join(dir, '.y.part') })
    const outcome = await Promise.race([
      receiving.then(() => 'received', (err: unknown) => err instanceof PayloadError ? 'PayloadError' : String(err)),
      sleep(1000).then(() => 'still waiting after 1 s'),
    ])
    // Let the hung receive end so nothing is left open after the test.
    inbound.abort(new Error('test over'))
    await receiving.catch(() => undefined)
    t.is(outcome, 'PayloadError')
  })
  noUncaught(t, caught)
})

// Issue 11, finding 7: uploads trickling one byte at a time held files and slots for nothing.
test.serial('an upload that moves less than the minimum rate is cut off; one at the rate is not', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(4000)
  const rate = { bytesPerSecond: 1000, windowMs: 600 }
  const [slowOut, slowIn] = await streamPair()
  const trickle = (async () => {
    // 100 bytes every 300 ms: a third of the minimum.
    for (let offset = 0; offset < data.length && slowOut.writeStatus === 'writable'; offset += 100) {
      slowOut.send(data.subarray(offset, offset + 100))
      await sleep(300)
    }
  })()
  await t.throwsAsync(receiveFile(slowIn, { size: data.length, sha256: sha256(data), tempPath: path.join(dir, '.slow.part'), minRate: rate }), { message: /moved \d+ bytes in 0.6 s, less than the 1 KiB\/s the coordinator requires/ })
  slowOut.abort(new Error('test over'))
  await trickle
  t.deepEqual((await readdir(dir)).filter(name => name.startsWith('.slow')), [], 'the half file is gone')

  const [fastOut, fastIn] = await streamPair()
  const steady = (async () => {
    // 500 bytes every 50 ms: ten times the minimum.
    for (let offset = 0; offset < data.length; offset += 500) {
      fastOut.send(data.subarray(offset, offset + 500))
      await sleep(50)
    }
    await fastOut.close()
  })()
  await receiveFile(fastIn, { size: data.length, sha256: sha256(data), tempPath: path.join(dir, '.fast.part'), minRate: rate })
  await steady
  t.deepEqual(await readFile(path.join(dir, '.fast.part')), data)
})
