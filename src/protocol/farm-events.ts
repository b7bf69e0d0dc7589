import { z } from 'zod'
import { errorText, frameNumber, jobId, shortText } from './messages.js'

// `/microfarm/events/1.0.0`: a client asks to watch (one job, or all) and the
// coordinator sends one message per farm event until the client closes. These
// are MicroFarm's stable interface for scripts (`microfarm events --json`
// prints them as they are, one a line; README "Events for scripts"): fields
// may be added, never renamed or removed.

export const watchRequest = z.object({
  type: z.literal('watch'),
  /** Only this job's events; absent: every job's. */
  jobId: jobId.optional(),
})
export type WatchRequest = z.infer<typeof watchRequest>

const at = z.string().max(40)
const jobState = z.enum(['queued', 'active', 'paused', 'completed', 'cancelled', 'failed', 'deleted'])

export const farmEvent = z.discriminatedUnion('event', [
  /** The coordinator watches: events from now on follow. */
  z.object({ event: z.literal('watching'), at, jobId: jobId.optional() }),
  /** `still`: a tiled still's frame; `frames` then counts its tiles. */
  z.object({ event: z.literal('job-created'), at, jobId, name: shortText, frames: z.number().int().min(0), still: frameNumber.optional() }),
  /** Every change of a job's state, once: `error` when it failed, `missing` frames when it completed without some. */
  z.object({ event: z.literal('job-state'), at, jobId, state: jobState, error: errorText.optional(), missing: z.number().int().min(0).optional() }),
  z.object({ event: z.literal('frame-done'), at, jobId, frame: frameNumber, node: shortText, seconds: z.number().min(0).optional(), done: z.number().int().min(0), total: z.number().int().min(0) }),
  z.object({ event: z.literal('frame-failed'), at, jobId, frame: frameNumber, node: shortText, error: errorText, willRetry: z.boolean() }),
  /** A tile of a tiled still is in (`frame`: the still's frame; done and total count its tiles). */
  z.object({ event: z.literal('tile-done'), at, jobId, frame: frameNumber, tile: z.number().int().min(0), node: shortText, seconds: z.number().min(0).optional(), done: z.number().int().min(0), total: z.number().int().min(0) }),
  z.object({ event: z.literal('tile-failed'), at, jobId, frame: frameNumber, tile: z.number().int().min(0), node: shortText, error: errorText, willRetry: z.boolean() }),
  /** A tiled still's tiles are stitched: its file name in the job's folder (microfarm download fetches it). */
  z.object({ event: z.literal('still-ready'), at, jobId, frame: frameNumber, file: shortText }),
  z.object({ event: z.literal('still-failed'), at, jobId, error: errorText }),
  /** The job's video is made: its file name beside the job's folder on the coordinator (microfarm download fetches it). */
  z.object({ event: z.literal('video-ready'), at, jobId, video: shortText }),
  z.object({ event: z.literal('video-failed'), at, jobId, error: errorText }),
  /** The coordinator stopped the watch: this client read too slowly, or the coordinator is stopping. */
  z.object({ event: z.literal('watch-ended'), at, reason: errorText }),
])
export type FarmEvent = z.infer<typeof farmEvent>
export type FarmEventName = FarmEvent['event']
