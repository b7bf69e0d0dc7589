import { z } from 'zod'
import { MAX_ERROR_TEXT, MAX_FRAME_NUMBER, MAX_SHORT_TEXT } from './constants.js'
import { plainText } from './plain-text.js'

// Blender's output of one frame, as a node sends it with a failure (or with
// the warnings of a frame that rendered) and as `microfarm log` reads it back.

/** Most lines kept of one frame's output: the last ones. */
export const MAX_LOG_LINES = 200
/** Most bytes (UTF-8) of one frame's output, its lines together. */
export const MAX_LOG_BYTES = 64 * 1024
/** A longer line is cut (with "…"): one line must not take the whole budget. */
export const MAX_LOG_LINE_CHARS = 2000
/** Attempts one `microfarm log --all` reply carries (the newest): each may be MAX_LOG_BYTES. */
export const MAX_LOG_ATTEMPTS_SHOWN = 6

/** Lines as Blender printed them, each made plain (a peer's escape sequence must not reach a terminal). */
export const frameLog = z.array(z.string().max(MAX_LOG_LINE_CHARS + 1).overwrite(plainText)).max(MAX_LOG_LINES)
  .refine(lines => lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0) <= MAX_LOG_BYTES + MAX_LOG_LINES, `at most ${MAX_LOG_BYTES} bytes of log`)

/** One attempt at a frame as the coordinator keeps it: who, when, how it ended, and Blender's lines. */
export const frameLogEntry = z.object({
  frame: z.number().int().min(0).max(MAX_FRAME_NUMBER),
  /** 1 for the frame's first render. */
  attempt: z.number().int().min(1),
  node: z.string().max(MAX_SHORT_TEXT).overwrite(plainText),
  /** ISO time the coordinator heard of it. */
  at: z.string().max(40),
  /** failed: the attempt failed; warnings: it rendered, and Blender warned. */
  outcome: z.enum(['failed', 'warnings']),
  error: z.string().max(MAX_ERROR_TEXT).overwrite(plainText).optional(),
  lines: frameLog,
})
export type FrameLogEntry = z.infer<typeof frameLogEntry>

/** Frames one `microfarm log JOB` lists (the newest). */
export const MAX_LOG_INDEX_FRAMES = 10_000

/** A frame that has a log: its attempts kept, and its latest one. */
export const frameLogSummary = frameLogEntry.pick({ frame: true, node: true, at: true, outcome: true, error: true }).extend({
  attempts: z.number().int().min(1),
})
export type FrameLogSummary = z.infer<typeof frameLogSummary>

/** The node's schedule (`--schedule`): its window, and whether it sleeps now and until when (ISO times). */
export const scheduleReport = z.object({
  type: z.literal('schedule'),
  window: z.string().max(MAX_SHORT_TEXT).overwrite(plainText),
  sleeping: z.boolean(),
  /** When the node sleeps or wakes next; absent when never. */
  until: z.iso.datetime({ offset: true }).optional(),
})
export type ScheduleReport = z.infer<typeof scheduleReport>
