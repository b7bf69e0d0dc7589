import { serveCalls } from '../util/worker-calls.js'
import { decodeFrame } from './frame-decoder.js'
import type { DecodeRequest } from './decode-thread.js'

// The body of the decoding thread (see decode-thread.ts): one frame at a time.

serveCalls(async (request: DecodeRequest) => decodeFrame(request.path, request.bytes))
