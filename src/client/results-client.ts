import type { Stream } from '@libp2p/interface'
import { receiveFile } from '../net/payload.js'
import { MAX_RESULT_PAGE_FILES, RESULTS_PROTOCOL } from '../protocol/constants.js'
import { ProtocolError, RemoteError } from '../protocol/errors.js'
import { MessageChannel } from '../protocol/framing.js'
import { resultsReply } from '../protocol/results.js'
import type { ResultFile, ResultsJob, ResultsReply, ResultsRequest } from '../protocol/results.js'
import { MAX_FRAMES_PER_JOB } from '../jobs/frame-range.js'
import { asError } from '../util/error-message.js'

// The client side of /microfarm/results/1.0.0 (see protocol/results.ts).

export type OpenStream = (protocol: string) => Promise<Stream>

export interface JobResultsListing { job: ResultsJob, files: ResultFile[] }

/** How long the coordinator may take for each message; a first listing hashes the frames it has not hashed yet (it sends a page at least every 2 s). */
const LISTING_MESSAGE_TIMEOUT_MS = 120_000
const FILE_HEADER_TIMEOUT_MS = 120_000
/** A listing longer than any job can be is a coordinator that does not stop. */
const MAX_LISTED_FILES = MAX_FRAMES_PER_JOB + MAX_RESULT_PAGE_FILES

export async function listResults (openStream: OpenStream, jobId: string): Promise<JobResultsListing> {
  return withStream(openStream, async (stream, channel) => {
    await channel.write({ type: 'list-files', jobId })
    const read = async (): Promise<ResultsReply> => answered(await channel.read(resultsReply, { signal: AbortSignal.timeout(LISTING_MESSAGE_TIMEOUT_MS) }))
    const first = await read()
    if (first.type !== 'job') throw new ProtocolError(`expected the job, got ${first.type}`)
    const files: ResultFile[] = []
    for (let reply = await read(); ; reply = await read()) {
      if (reply.type === 'end') {
        if (reply.files !== files.length) throw new ProtocolError(`the coordinator listed ${files.length} files and said ${reply.files}`)
        await stream.close()
        return { job: first.job, files }
      }
      if (reply.type !== 'files') throw new ProtocolError(`expected files, got ${reply.type}`)
      files.push(...reply.files)
      if (files.length > MAX_LISTED_FILES) throw new ProtocolError(`the coordinator listed more than ${MAX_LISTED_FILES} files for one job`)
    }
  })
}

/**
 * One file of the listing, by its name there, into `tempPath`: checked
 * against the SHA-256 the coordinator announces as it arrives (see
 * receiveFile); on any failure the temporary file is gone. Returns what was
 * announced (a video encoded again since the listing has a new hash).
 */
export async function fetchResult (openStream: OpenStream, jobId: string, name: string, options: { tempPath: string, signal?: AbortSignal, onReceived?: (bytes: number) => void }): Promise<{ size: number, sha256: string }> {
  return withStream(openStream, async (stream, channel) => {
    await channel.write({ type: 'get-file', jobId, name })
    const signal = options.signal !== undefined ? AbortSignal.any([options.signal, AbortSignal.timeout(FILE_HEADER_TIMEOUT_MS)]) : AbortSignal.timeout(FILE_HEADER_TIMEOUT_MS)
    const header = answered(await channel.read(resultsReply, { signal }))
    if (header.type !== 'file') throw new ProtocolError(`expected a file, got ${header.type}`)
    if (header.name !== name) throw new ProtocolError(`asked for ${JSON.stringify(name)}, the coordinator sent ${JSON.stringify(header.name)}`)
    await receiveFile(channel.unwrap(), {
      size: header.size,
      sha256: header.sha256,
      tempPath: options.tempPath,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.onReceived !== undefined ? { onReceived: options.onReceived } : {}),
    })
    await stream.close()
    return { size: header.size, sha256: header.sha256 }
  })
}

function answered (reply: ResultsReply): ResultsReply {
  if (reply.type === 'error') throw new RemoteError(reply.message)
  return reply
}

/** One request on its own stream, closed on every path: aborted with the error when it fails. */
async function withStream<T> (openStream: OpenStream, work: (stream: Stream, channel: MessageChannel<ResultsReply, ResultsRequest>) => Promise<T>): Promise<T> {
  const stream = await openStream(RESULTS_PROTOCOL)
  try {
    return await work(stream, new MessageChannel<ResultsReply, ResultsRequest>(stream))
  } catch (err) {
    stream.abort(asError(err))
    throw err
  }
}
