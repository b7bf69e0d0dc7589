import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { streamPair } from '@libp2p/utils'
import { PayloadError, receiveFile, sendFile, sha256File } from '../../../src/net/payload.js'
import { ProtocolError } from '../../../src/protocol/errors.js'
import { tempFolder } from '../../helpers/temp-folder.js'

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

test('sendFile and receiveFile move a few MiB intact', async (t) => {
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

test('an empty file needs no bytes', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const target = path.join(dir, '.empty.part')
  const [, inbound] = await streamPair()
  await receiveFile(inbound, { size: 0, sha256: sha256(new Uint8Array()), tempPath: target })
  t.is((await readFile(target)).byteLength, 0)
})

test('a wrong announced hash is a PayloadError and leaves no file', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(64 * 1024)
  const target = path.join(dir, '.bad-hash.part')
  const [outbound, inbound] = await streamPair()
  const receiving = receiveFile(inbound, { size: data.byteLength, sha256: 'f'.repeat(64), tempPath: target })
  outbound.send(data)
  await outbound.close()
  const err = await t.throwsAsync(receiving, { instanceOf: PayloadError, message: /content hash mismatch: announced ffffffffffff/ })
  t.true(err instanceof ProtocolError)
  t.is(err?.name, 'PayloadError')
  t.deepEqual(await readdir(dir), [])
})

test('fewer bytes than announced, then the stream ends: PayloadError and no file', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(1000)
  const target = path.join(dir, '.short.part')
  const [outbound, inbound] = await streamPair()
  const receiving = receiveFile(inbound, { size: 2000, sha256: sha256(data), tempPath: target })
  outbound.send(data)
  await outbound.close()
  await t.throwsAsync(receiving, { instanceOf: PayloadError, message: /ended after 1000 of 2000 bytes/ })
  t.deepEqual(await readdir(dir), [])
})

test('more bytes than announced: PayloadError and no file', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const data = randomBytes(1500)
  const target = path.join(dir, '.long.part')
  const [outbound, inbound] = await streamPair()
  const receiving = receiveFile(inbound, { size: 1000, sha256: sha256(data.subarray(0, 1000)), tempPath: target })
  outbound.send(data)
  await outbound.close()
  await t.throwsAsync(receiving, { instanceOf: PayloadError, message: /more than the announced 1000 bytes/ })
  t.deepEqual(await readdir(dir), [])
})

test('an aborted receive stops and removes the partial file', async (t) => {
  const dir = await tempFolder(t, 'mf-payload-')
  const target = path.join(dir, '.aborted.part')
  const [outbound, inbound] = await streamPair()
  const controller = new AbortController()
  const receiving = receiveFile(inbound, { size: 10_000, sha256: 'a'.repeat(64), tempPath: target, signal: controller.signal })
  outbound.send(randomBytes(100))
  await new Promise(resolve => setTimeout(resolve, 50))
  controller.abort(new Error('upload cancelled'))
  outbound.send(randomBytes(100))
  await t.throwsAsync(receiving, { message: 'upload cancelled' })
  t.deepEqual(await readdir(dir), [])
})
