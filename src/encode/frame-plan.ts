import path from 'node:path'

export interface FrameFile {
  frame: number
  path: string
}

/**
 * How to feed a job's frames to ffmpeg. `sequence` when they are contiguous
 * and named by one pattern (image2 reads them without a list); otherwise the
 * runner writes a concat list of `frames`, which are always sorted and unique.
 */
export interface FramePlan {
  frames: FrameFile[]
  /** Frame numbers between the first and the last that have no file. */
  missing: number[]
  sequence?: { pattern: string; startNumber: number }
}

export function planFrames (input: readonly FrameFile[]): FramePlan {
  const byNumber = new Map<number, FrameFile>()
  for (const f of input) if (!byNumber.has(f.frame)) byNumber.set(f.frame, f)
  const frames = [...byNumber.values()].sort((a, b) => a.frame - b.frame)
  const missing = findMissing(frames.map((f) => f.frame))
  const pattern = missing.length === 0 ? sequencePattern(frames) : undefined
  const first = frames[0]
  return {
    frames,
    missing,
    ...(pattern != null && first != null ? { sequence: { pattern, startNumber: first.frame } } : {}),
  }
}

function findMissing (sorted: readonly number[]): number[] {
  const missing: number[] = []
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] ?? 0
    const cur = sorted[i] ?? 0
    for (let n = prev + 1; n < cur; n++) missing.push(n)
  }
  return missing
}

/**
 * The image2 pattern that names every frame, or undefined if the names do
 * not follow one (different folders, numbers not matching the frame, …).
 * The frame number is the last run of digits before the extension (which may
 * hold digits itself: `.jp2`).
 */
function sequencePattern (frames: readonly FrameFile[]): string | undefined {
  const first = frames[0]
  if (first == null || !Number.isInteger(first.frame) || first.frame < 0) return undefined
  const dir = path.dirname(first.path)
  const ext = path.extname(first.path)
  const match = /^(.*?)(\d+)(\D*)$/.exec(path.basename(first.path, ext))
  if (match == null) return undefined
  const [, prefix = '', digits = '', rest = ''] = match
  const suffix = rest + ext
  if (Number(digits) !== first.frame) return undefined
  const width = digits.length
  const nameOf = (n: number): string => `${prefix}${String(n).padStart(width, '0')}${suffix}`
  for (const f of frames) {
    if (path.dirname(f.path) !== dir || path.basename(f.path) !== nameOf(f.frame)) return undefined
  }
  // image2 treats `%` as the start of a directive; a literal one is `%%`.
  const escape = (s: string): string => s.replaceAll('%', '%%')
  return path.join(escape(dir), `${escape(prefix)}%0${width}d${escape(suffix)}`)
}
