// Small pure formatters shared by the view model.

/** Cuts `text` to `width` columns (an ellipsis marks the cut) and pads it. */
export function fit (text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return ''
  const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text
  return align === 'left' ? cut.padEnd(width) : cut.padStart(width)
}

/** 42s, 3m05s, 2h07m, 3d04h. */
export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`
  return `${Math.floor(s / 86_400)}d${String(Math.floor(s / 3600) % 24).padStart(2, '0')}h`
}

/** Seconds per frame with one decimal below a minute: 0.8s, 12.4s, 3m05s. */
export function formatFrameTime (seconds: number | undefined): string {
  if (seconds === undefined) return '—'
  return seconds < 60 ? `${seconds.toFixed(1)}s` : formatDuration(seconds)
}

/** "now" within two seconds, then "5s ago", "3m05s ago". */
export function formatAgo (ms: number): string {
  return ms < 2000 ? 'now' : `${formatDuration(ms / 1000)} ago`
}

export { formatBytes } from '../util/format-bytes.js'

/** The start and end of a long peer id: 12D3Ko…x9Yz. */
export function shortId (id: string): string {
  return id.length <= 14 ? id : `${id.slice(0, 6)}…${id.slice(-6)}`
}

/** Hard-wraps a line at `width` columns; continuation lines are indented by `indent`. */
export function wrap (text: string, width: number, indent = 0): string[] {
  if (width <= indent + 1 || text.length <= width) return [text]
  const lines = [text.slice(0, width)]
  const room = width - indent
  for (let i = width; i < text.length; i += room) lines.push(' '.repeat(indent) + text.slice(i, i + room))
  return lines
}

export function percent (fraction: number): string {
  return `${Math.floor(Math.max(0, Math.min(1, fraction)) * 100)}%`
}

/** A frame's progress: Blender's own count as `42%`, an estimate from time taken as `~42%`. */
export function formatProgress (progress: { fraction: number, estimated?: boolean }): string {
  return `${progress.estimated === true ? '~' : ''}${percent(progress.fraction)}`
}
