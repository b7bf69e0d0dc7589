/**
 * The one place that reads ffmpeg's output. With `-progress pipe:1` ffmpeg
 * writes blocks of key=value lines, each closed by `progress=continue` or
 * `progress=end`:
 *   frame=12
 *   out_time_us=500000
 *   progress=continue
 */
export interface ProgressUpdate {
  /** Frames written so far. */
  frame: number
  /** True on the final block: ffmpeg has written every frame. */
  done: boolean
}

/** Returns a line consumer that yields an update whenever a block closes. */
export function createProgressParser (): (line: string) => ProgressUpdate | undefined {
  let frame = 0
  return (line) => {
    const field = parseProgressLine(line)
    if (field == null) return undefined
    if (field.key === 'frame') {
      const n = Number.parseInt(field.value, 10)
      // Early blocks can say frame=N/A or repeat; progress never goes backwards.
      if (Number.isFinite(n) && n > frame) frame = n
      return undefined
    }
    if (field.key === 'progress') return { frame, done: field.value === 'end' }
    return undefined
  }
}

/** Parses every line at once: handy for fixtures and tests. */
export function parseProgress (lines: Iterable<string>): ProgressUpdate[] {
  const parse = createProgressParser()
  const updates: ProgressUpdate[] = []
  for (const line of lines) {
    const update = parse(line)
    if (update != null) updates.push(update)
  }
  return updates
}

export function parseProgressLine (line: string): { key: string; value: string } | undefined {
  const eq = line.indexOf('=')
  if (eq <= 0) return undefined
  return { key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() }
}
