import type { LogEntry, LogLevel } from './farm-model.js'
import { wrap } from './format.js'
import type { Color, Line } from './styled.js'

const LEVEL_COLORS: Record<LogLevel, Color | undefined> = {
  info: undefined,
  good: 'green',
  warning: 'yellow',
  error: 'red',
  action: 'cyan',
}

/** HH:MM:SS: the headless log adds milliseconds; on screen the columns matter more. */
export function clock (time: number): string {
  return new Date(time).toTimeString().slice(0, 8)
}

/**
 * The log's last `rows` lines, `back` lines up from its end (0 follows new
 * lines). Long entries wrap. Only the entries on screen are formatted, however
 * long the log. Returns `back` clamped to what the log holds.
 */
export function logWindow (entries: readonly LogEntry[], width: number, rows: number, back: number): { lines: Line[], back: number } {
  const wanted = rows + back
  // Collected newest first, then turned around.
  const newestFirst: Line[] = []
  for (let i = entries.length - 1; i >= 0 && newestFirst.length < wanted; i--) {
    const entry = entries[i] as LogEntry
    const style = LEVEL_COLORS[entry.level] !== undefined ? { fg: LEVEL_COLORS[entry.level] } : {}
    const wrapped = wrap(`${clock(entry.time)} ${entry.text}`, width, 9)
    for (let n = wrapped.length - 1; n >= 0; n--) {
      const text = wrapped[n] as string
      newestFirst.push(n === 0 ? [{ text: text.slice(0, 9), fg: 'gray' }, { text: text.slice(9), ...style }] : [{ text, ...style }])
    }
  }
  const lines = newestFirst.reverse()
  const clamped = Math.max(0, Math.min(back, lines.length - rows))
  const end = lines.length - clamped
  return { lines: lines.slice(Math.max(0, end - rows), end), back: clamped }
}
