import { MAX_FRAME_NUMBER } from '../protocol/constants.js'

export class FrameRangeError extends Error {
  override name = 'FrameRangeError'
}

/** Most frames one job may have: keeps a typo like 1-99999999 from eating memory. */
export const MAX_FRAMES_PER_JOB = 100_000

/**
 * Parses what a user types for frames: `1-250`, `1-100,120,130-140`, `1-99x2`
 * (every 2nd frame). Returns the frames sorted, without duplicates.
 */
export function parseFrameList (spec: string): number[] {
  const frames = new Set<number>()
  const parts = spec.split(',').map(part => part.trim())
  for (const part of parts) {
    const match = /^(\d+)(?:\s*-\s*(\d+)(?:\s*x\s*(\d+))?)?$/.exec(part)
    if (match === null) {
      throw new FrameRangeError(`cannot read frames "${spec}": "${part}" is not a frame, a range like 1-250, or 1-250x2`)
    }
    const start = Number(match[1])
    const end = match[2] === undefined ? start : Number(match[2])
    const step = match[3] === undefined ? 1 : Number(match[3])
    if (end < start) throw new FrameRangeError(`frame range ${part} ends before it starts`)
    if (end > MAX_FRAME_NUMBER) throw new FrameRangeError(`frame ${end} is past Blender's last frame ${MAX_FRAME_NUMBER}`)
    if (step < 1) throw new FrameRangeError(`frame step in ${part} must be at least 1`)
    for (let frame = start; frame <= end; frame += step) {
      frames.add(frame)
      if (frames.size > MAX_FRAMES_PER_JOB) {
        throw new FrameRangeError(`frames "${spec}" name more than ${MAX_FRAMES_PER_JOB} frames`)
      }
    }
  }
  return [...frames].sort((a, b) => a - b)
}

/** The frames of a scene's own range (frame_start..frame_end by frame_step). */
export function sceneFrames (start: number, end: number, step: number): number[] {
  if (end < start) throw new FrameRangeError(`the scene's frame range ${start}-${end} is empty`)
  if (start < 0) throw new FrameRangeError(`the scene starts at frame ${start}; MicroFarm renders frames from 0 up`)
  return parseFrameList(step === 1 ? `${start}-${end}` : `${start}-${end}x${step}`)
}

/** The compact form of a frame list: `1-100,120,130-140`. */
export function formatFrameList (frames: readonly number[]): string {
  const sorted = [...frames].sort((a, b) => a - b)
  const parts: string[] = []
  let i = 0
  while (i < sorted.length) {
    const start = sorted[i] as number
    let end = start
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) {
      i++
      end = sorted[i] as number
    }
    parts.push(start === end ? String(start) : `${start}-${end}`)
    i++
  }
  return parts.join(',')
}

/** Digits in output file names: at least 4, more when the last frame needs them. */
export function framePadding (frames: readonly number[]): number {
  const last = frames.reduce((max, frame) => Math.max(max, frame), 0)
  return Math.max(4, String(last).length)
}
