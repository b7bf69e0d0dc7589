import { z } from 'zod'
import { MAX_FRAME_NUMBER, MAX_RESULT_FILE_BYTES, MAX_RESULT_PAGE_FILES } from './constants.js'
import { errorText, frameNumber, jobId, renderFormat, shortText } from './messages.js'
import { sha256 } from './project.js'

// --- results: any farm member lists a job's frames and videos, and fetches one at a time ---
// One request per stream. A listing comes as the job, then pages of files,
// then the end; a file as a header announcing size and SHA-256, then its bytes.

/**
 * The coordinator's name for a file in its listing: an identifier to ask for
 * it by, never a path on either side (the coordinator looks it up in its own
 * listing; a client builds its local names itself, see client/result-names.ts).
 */
const resultName = z.string().min(1).max(255)

export const resultFile = z.object({
  name: resultName,
  kind: z.enum(['frame', 'video']),
  /** Frames only. */
  frame: frameNumber.optional(),
  size: z.number().int().nonnegative().max(MAX_RESULT_FILE_BYTES),
  sha256,
  /** When it was written on the coordinator (ISO 8601). */
  mtime: z.string().max(40),
})
export type ResultFile = z.infer<typeof resultFile>

export const resultsJob = z.object({
  id: jobId,
  name: shortText,
  state: z.string().max(32),
  format: renderFormat,
  /** Digits of the frame numbers in the job's file names (`frame_0001.png`: 4). */
  framePadding: z.number().int().min(1).max(String(MAX_FRAME_NUMBER).length),
  framesTotal: z.number().int().nonnegative(),
  framesDone: z.number().int().nonnegative(),
})
export type ResultsJob = z.infer<typeof resultsJob>

export const resultsRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('list-files'), jobId }),
  z.object({ type: z.literal('get-file'), jobId, name: resultName }),
])
export type ResultsRequest = z.infer<typeof resultsRequest>

export const resultsReply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job'), job: resultsJob }),
  z.object({ type: z.literal('files'), files: z.array(resultFile).max(MAX_RESULT_PAGE_FILES) }),
  /** The listing is complete: this many files in all. */
  z.object({ type: z.literal('end'), files: z.number().int().nonnegative() }),
  /** The file's bytes follow. */
  z.object({ type: z.literal('file'), name: resultName, size: z.number().int().nonnegative().max(MAX_RESULT_FILE_BYTES), sha256 }),
  z.object({ type: z.literal('error'), message: errorText }),
])
export type ResultsReply = z.infer<typeof resultsReply>
