import { parentPort } from 'node:worker_threads'
import { errorMessage } from '../util/error-message.js'
import { decodeFrame } from './frame-decoder.js'
import type { DecodeReply, DecodeRequest } from './decode-thread.js'

// The body of the decoding thread (see decode-thread.ts): one frame at a
// time, answered by id. Decoding a 1080p JPEG takes half a second of CPU;
// here it costs the coordinator's event loop nothing.

parentPort?.on('message', (request: DecodeRequest) => {
  const reply = (message: DecodeReply): void => { parentPort?.postMessage(message) }
  decodeFrame(request.path, request.bytes).then(
    (result) => reply({ id: request.id, result }),
    (err: unknown) => reply({ id: request.id, error: errorMessage(err) }),
  )
})
