import type { Stream } from '@libp2p/interface'
import { FIRST_MESSAGE_TIMEOUT_MS, REPLY_WRITE_TIMEOUT_MS } from '../../protocol/constants.js'
import { MessageChannel } from '../../protocol/framing.js'
import { resultsRequest } from '../../protocol/results.js'
import type { ResultsReply, ResultsRequest } from '../../protocol/results.js'
import { sendFile } from '../../net/payload.js'
import { asError } from '../../util/error-message.js'
import type { JobResults } from '../job-results.js'

/**
 * Any farm member lists a job's files (the job, pages of files, the end) or
 * fetches one by the listing's name (a header with size and SHA-256, then
 * the bytes). Reads only: nothing a peer sends here changes the farm.
 */
export async function handleResults (results: JobResults, stream: Stream): Promise<void> {
  const channel = new MessageChannel<ResultsRequest, ResultsReply>(stream)
  const request = await channel.read(resultsRequest, { signal: AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS) })
  // A peer that never reads its answer must not keep it in memory: every write has a deadline.
  const reply = async (message: ResultsReply): Promise<void> => { await channel.write(message, { signal: AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS) }) }
  switch (request.type) {
    case 'list-files': {
      await reply({ type: 'job', job: results.describe(request.jobId) })
      let count = 0
      for await (const files of results.list(request.jobId)) {
        count += files.length
        await reply({ type: 'files', files })
      }
      await reply({ type: 'end', files: count })
      break
    }
    case 'get-file': {
      const file = await results.resolve(request.jobId, request.name)
      await reply({ type: 'file', name: request.name, size: file.size, sha256: file.sha256 })
      try {
        await sendFile(stream, file.path)
      } catch (err) {
        // The file's bytes have begun: an error message now would read as bytes. Reset instead.
        stream.abort(asError(err))
        throw err
      }
      break
    }
  }
  await stream.close()
}
