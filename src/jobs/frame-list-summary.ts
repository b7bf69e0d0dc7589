/**
 * A job's frames in at most `max` characters, for people: runs with a step
 * are written as the user types them (`0-199998x2`, `1-250`), and a list no
 * short form covers (50 000 pairs of frames) is cut at a comma, ending with
 * how many frames there are in all. Within the limit the text is a frame list
 * parseFrameList reads back to the same frames.
 */
export function summarizeFrameList (frames: readonly number[], max: number): string {
  const sorted = [...new Set(frames)].sort((a, b) => a - b)
  const ending = `… (${sorted.length} frames in all)`
  const parts: string[] = []
  let length = -1
  for (let i = 0; i < sorted.length;) {
    const run = runAt(sorted, i)
    const part = run.count === 1 ? String(run.start) : `${run.start}-${run.end}${run.step > 1 ? `x${run.step}` : ''}`
    length += part.length + 1
    // Room for the ending is kept only while more is to come.
    const more = i + run.count < sorted.length
    if (length > max || (more && length + 1 + ending.length > max)) return [...parts, ending].join(',')
    parts.push(part)
    i += run.count
  }
  return parts.join(',')
}

interface Run { start: number, end: number, step: number, count: number }

/** The run starting at `i`: frames of one step, at least three of them (two when neighbours), else the frame alone. */
function runAt (sorted: readonly number[], i: number): Run {
  const start = sorted[i] as number
  const next = sorted[i + 1]
  if (next === undefined) return { start, end: start, step: 1, count: 1 }
  const step = next - start
  let count = 2
  while (i + count < sorted.length && (sorted[i + count] as number) - (sorted[i + count - 1] as number) === step) count++
  if (count === 2 && step > 1) return { start, end: start, step: 1, count: 1 }
  return { start, end: sorted[i + count - 1] as number, step, count }
}
