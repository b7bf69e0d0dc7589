import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ProgramNotFoundError, runProcess } from '../process/run-process.js'
import type { ProcessResult, ProcessRunner } from '../process/run-process.js'
import { assertFramesReadable } from './check-frames.js'
import { EncodeError, FfmpegNotFoundError } from './errors.js'
import { buildConcatList, buildEncodeArgs } from './ffmpeg-args.js'
import type { EncodeInput } from './ffmpeg-args.js'
import { FFMPEG_INSTALL_HINT } from './find-ffmpeg.js'
import { planFrames } from './frame-plan.js'
import type { FramePlan } from './frame-plan.js'
import { createProgressParser } from './progress-parser.js'
import type { EncodeSettings } from './settings.js'

/** ffmpeg's last stderr lines kept for an EncodeError: the reason is near the end. */
const STDERR_TAIL_LINES = 20

export interface EncodeFramesOptions {
  ffmpeg: { path: string }
  frames: Array<{ frame: number; path: string }>
  settings: EncodeSettings
  /** The scene's frame rate; `settings.fps`, when set, overrides it. */
  fps: number
  outputPath: string
  signal?: AbortSignal
  run?: ProcessRunner
  onProgress?: (framesDone: number, framesTotal: number) => void
}

export interface EncodeResult {
  outputPath: string
  framesEncoded: number
  /** Frame numbers between the first and last that had no file (a force-completed job). */
  missing: number[]
}

/**
 * Encodes a job's frames into one video. Frames are only read, never
 * touched. ffmpeg writes to a temporary name beside the output, renamed only
 * on success, so a half-written video never looks done.
 */
export async function encodeFrames (o: EncodeFramesOptions): Promise<EncodeResult> {
  o.signal?.throwIfAborted()
  const plan = planFrames(o.frames.map((f) => ({ frame: f.frame, path: path.resolve(f.path) })))
  if (plan.frames.length === 0) throw new EncodeError(`no frames to encode into ${o.outputPath}`)
  await assertFramesReadable(plan.frames)

  await mkdir(path.dirname(o.outputPath), { recursive: true })
  const partial = `${o.outputPath}.${randomBytes(4).toString('hex')}.partial`
  const listFile = plan.sequence == null ? `${partial}.ffconcat` : undefined
  try {
    if (listFile != null) await writeFile(listFile, buildConcatList(plan.frames.map((f) => f.path)))
    const args = buildEncodeArgs({ input: inputFor(plan, listFile), settings: o.settings, fps: o.settings.fps ?? o.fps, outputPath: partial })
    const framesEncoded = await runFfmpeg(o, args, plan.frames.length)
    await rename(partial, o.outputPath)
    return { outputPath: o.outputPath, framesEncoded, missing: plan.missing }
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  } finally {
    if (listFile != null) await rm(listFile, { force: true })
  }
}

function inputFor (plan: FramePlan, listFile: string | undefined): EncodeInput {
  if (plan.sequence != null) return { kind: 'sequence', ...plan.sequence, frameCount: plan.frames.length }
  if (listFile == null) throw new Error('a frame list needs a list file')
  return { kind: 'list', listFile }
}

/** Runs ffmpeg and returns how many frames it reports writing. */
async function runFfmpeg (o: EncodeFramesOptions, args: string[], total: number): Promise<number> {
  const parse = createProgressParser()
  const tail: string[] = []
  let framesDone = 0
  let result: ProcessResult
  try {
    result = await (o.run ?? runProcess)({
      command: o.ffmpeg.path,
      args,
      ...(o.signal != null ? { signal: o.signal } : {}),
      onStdoutLine: (line) => {
        const update = parse(line)
        if (update == null) return
        framesDone = update.frame
        o.onProgress?.(Math.min(update.frame, total), total)
      },
      onStderrLine: (line) => {
        if (line.trim() === '') return
        tail.push(line)
        if (tail.length > STDERR_TAIL_LINES) tail.shift()
      },
    })
  } catch (error) {
    if (error instanceof ProgramNotFoundError) {
      throw new FfmpegNotFoundError(`ffmpeg was not found at ${o.ffmpeg.path}. ${FFMPEG_INSTALL_HINT}`, { cause: error })
    }
    throw new EncodeError(`could not start ffmpeg (${o.ffmpeg.path})`, { cause: error })
  }
  if (result.stoppedBecause === 'aborted') o.signal?.throwIfAborted()
  if (result.exitCode !== 0) {
    const how = result.exitCode != null ? `exit code ${result.exitCode}` : `signal ${result.signal ?? 'unknown'}`
    throw new EncodeError(`ffmpeg failed (${how}) encoding ${total} frames into ${o.outputPath}`, { stderrTail: tail, exitCode: result.exitCode })
  }
  return framesDone > 0 ? framesDone : total
}
