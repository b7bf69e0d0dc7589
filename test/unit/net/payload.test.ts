import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { streamPair } from '@libp2p/utils'
import { PayloadError, receiveFile, sendFile, sha256File } from '../../../src/net/payload.js'
import { ProtocolError } from '../../../src/protocol/errors.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// Serial: a refused upload currently throws an uncaught EBADF from inside
// receiveFile (see the failing test at the end), which would end this worker.
// Each test that refuses an upload captures uncaught exceptions while it runs.

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

/** Fails the test on any captured error other than the known double close (EBADF). */
function onlyKnownDoubleClose (t: ExecutionContext, caught: Error[]): void {
  for (const err of caught) {
    if ((err as NodeJS.ErrnoException).code !== 'EBADF') t.fail(`uncaught: ${err.stack ?? err.message}`)
  }
}

/** Waits until the receiver has written `bytes` to its temporary file: it is reading the stream by then. */
async function receiverHas (file: string, bytes: number): Promise<void> {
  const deadline = Date.now() + 5000
  while (Date.now() < deadline) {
    const size = await stat(file).then(s => s.size, () => -1)
    if (size >= bytes) return
    await sleep(10)
  }
  throw new Error(`the receiver never wrote ${bytes} bytes to ${file}`)
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
  onlyKnownDoubleClose(t, caught)
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
    await receiverHas(target, data.byteLength)
    await outbound.close()
    await t.throwsAsync(receiving, { instanceOf: PayloadError, message: /ended after 1000 of 2000 bytes/ })
  })
  onlyKnownDoubleClose(t, caught)
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
  onlyKnownDoubleClose(t, caught)
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
    await receiverHas(target, 100)
    controller.abort(reason)
    outbound.send(randomBytes(100))
    t.is(await t.throwsAsync(receiving), reason)
  })
  onlyKnownDoubleClose(t, caught)
  t.deepEqual(await readdir(dir), [])
})

// receiveFile's error path calls out.destroy(), which closes the fd (fs.WriteStream
// closes it on destroy whatever autoClose says), then handle.close() closes the
// same fd again. The loser gets EBADF; when it is the write stream, its 'error'
// event has no listener and the process dies: one bad upload ends the coordinator.
test.serial.failing('a refused upload raises no uncaught exception', async (t) => {
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

// The sender sent part of the file and closed before receiveFile started
// iterating (it awaits open() first). The stream's 'remoteCloseWrite' event
// fired while nobody listened, so `for await` over the stream never ends and
// receiveFile hangs with its file open instead of throwing PayloadError.
test.serial.failing('a short upload that closed before the receiver started reading is a PayloadError', async (t) => {
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
  onlyKnownDoubleClose(t, caught)
})
