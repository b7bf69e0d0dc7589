import { existsSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { streamPair } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { FrameUploader } from '../../../src/node/frame-uploader.js'
import type { RenderedFrame, UploadOutcome } from '../../../src/node/frame-uploader.js'
import { receiveFile } from '../../../src/net/payload.js'
import { MessageChannel } from '../../../src/protocol/framing.js'
import { frameHeader } from '../../../src/protocol/messages.js'
import type { FrameAck } from '../../../src/protocol/messages.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// The node's uploader against a stand-in coordinator over in-memory streams:
// what it answers is scripted per upload.

type Answer = Extract<FrameAck, { type: 'retry-later' | 'error' }> | 'store'

interface Coordinator {
  open: () => Promise<Stream>
  /** The node's end of every stream it opened. */
  streams: Stream[]
  stored: string[]
}

function coordinator (dir: string, answer: (upload: number, frame: string) => Answer, beforeStored: (frame: string) => Promise<void> = async () => {}, beforeAnswer: (frame: string) => Promise<void> = async () => {}): Coordinator {
  const streams: Stream[] = []
  const stored: string[] = []
  let uploads = 0
  const serve = async (stream: Stream): Promise<void> => {
    const channel = new MessageChannel(stream)
    const header = await channel.read(frameHeader)
    const key = `${header.jobId}:${header.frame}`
    await beforeAnswer(key)
    const reply = answer(++uploads, key)
    if (reply !== 'store') {
      await channel.write(reply)
      await stream.close()
      return
    }
    await channel.write({ type: 'send-frame' })
    await receiveFile(channel.unwrap(), { size: header.size, sha256: header.sha256, tempPath: path.join(dir, `.${uploads}.part`) })
    stored.push(key)
    await beforeStored(key)
    await new MessageChannel(stream).write({ type: 'frame-stored', jobId: header.jobId, frame: header.frame, duplicate: false })
    await stream.close()
  }
  return {
    streams,
    stored,
    open: async () => {
      const [outbound, inbound] = await streamPair()
      streams.push(outbound)
      serve(inbound).catch(() => { inbound.abort(new Error('stand-in coordinator failed')) })
      return outbound
    },
  }
}

/** Holds the stand-in coordinator at one point: `reached` once it is there, until `release`. */
function gate (): { held: Promise<void>, release: () => void, reached: Promise<void>, onTheWire: () => void } {
  let release: () => void = () => {}
  const held = new Promise<void>(resolve => { release = resolve })
  let onTheWire: () => void = () => {}
  const reached = new Promise<void>(resolve => { onTheWire = resolve })
  return { held, release, reached, onTheWire }
}

async function frameFile (dir: string, jobId: string, frame: number): Promise<RenderedFrame> {
  const file = path.join(dir, `job${jobId}-frame${frame}.png`)
  await writeFile(file, `frame ${frame} of job ${jobId}`)
  return { jobId, frame, path: file, taskId: `t-${jobId}` }
}

function uploader (): { uploader: FrameUploader, outcomes: Array<[string, UploadOutcome]>, retries: string[] } {
  const outcomes: Array<[string, UploadOutcome]> = []
  const retries: string[] = []
  const uploader = new FrameUploader({
    onUploaded: (frame, outcome) => { outcomes.push([`${frame.jobId}:${frame.frame}`, outcome]) },
    onRetryLater: (_frame, error) => { retries.push(error.message) },
    onFileKept: (_frame, error) => { retries.push(`kept: ${error.message}`) },
  }, { retryFirstMs: 1, retryMaxMs: 2 })
  return { uploader, outcomes, retries }
}

test('a coordinator that says "later" seventy times gets the frame in the end, and every stream is closed', async (t) => {
  const dir = await tempFolder(t)
  const farm = coordinator(dir, upload => upload <= 70 ? { type: 'retry-later', message: 'disk full' } : 'store')
  const { uploader: up, outcomes, retries } = uploader()
  const frame = await frameFile(dir, '1', 7)
  up.setConnection(farm.open)
  up.add(frame)
  await up.idle()
  t.deepEqual(outcomes, [['1:7', 'stored']])
  t.is(retries.length, 70)
  t.true(retries.every(message => message === 'disk full'))
  t.deepEqual(farm.stored, ['1:7'])
  // libp2p allows 64 open streams per protocol: a stream left open per "later" would soon stop every upload.
  t.deepEqual(farm.streams.map(s => s.status).filter(status => status === 'open'), [])
  t.false(existsSync(frame.path), 'delivered, so no longer kept')
})

test('a refused frame is dropped; a frame whose job was dropped mid-upload does not take another frame with it', async (t) => {
  const dir = await tempFolder(t)
  const { held, release, reached, onTheWire } = gate()
  // Frame 1's bytes are in; its answer waits until the test lets it go.
  const farm = coordinator(dir, (_upload, key) => key === '3:3' ? { type: 'error', message: 'job 3 is cancelled' } : 'store', async (key) => {
    if (key !== '1:1') return
    onTheWire()
    await held
  })
  const { uploader: up, outcomes } = uploader()
  up.setConnection(farm.open)
  up.add(await frameFile(dir, '1', 1))
  up.add(await frameFile(dir, '2', 2))
  up.add(await frameFile(dir, '3', 3))
  // Job 1 is dropped after its frame went, before the coordinator answered.
  await reached
  await up.dropJob('1')
  release()
  await up.idle()
  t.deepEqual(outcomes, [['1:1', 'stored'], ['2:2', 'stored'], ['3:3', 'refused']])
  t.deepEqual(farm.stored, ['1:1', '2:2'])
})

test('a frame whose job is dropped before its bytes go is not sent again, nor said to be', async (t) => {
  const dir = await tempFolder(t)
  const { held, release, reached, onTheWire } = gate()
  // The header of frame 1 is in; the go-ahead waits, and meanwhile its job is dropped (its file removed).
  const farm = coordinator(dir, () => 'store', async () => {}, async (key) => {
    if (key !== '1:1') return
    onTheWire()
    await held
  })
  const { uploader: up, outcomes, retries } = uploader()
  up.setConnection(farm.open)
  up.add(await frameFile(dir, '1', 1))
  up.add(await frameFile(dir, '2', 2))
  await reached
  await up.dropJob('1')
  release()
  await up.idle()
  t.deepEqual(retries, [], 'nothing to send again, so nothing said about it')
  t.deepEqual(outcomes, [['2:2', 'stored']])
  t.deepEqual(farm.stored, ['2:2'])
})

test('a frame file gone from the disk is reported as missing and does not block the frames behind it', async (t) => {
  const dir = await tempFolder(t)
  const farm = coordinator(dir, () => 'store')
  const { uploader: up, outcomes, retries } = uploader()
  const gone = await frameFile(dir, '1', 1)
  await rm(gone.path)
  up.setConnection(farm.open)
  up.add(gone)
  up.add(await frameFile(dir, '1', 2))
  await up.idle()
  t.deepEqual(outcomes, [['1:1', 'missing'], ['1:2', 'stored']])
  t.deepEqual(retries, [])
})
