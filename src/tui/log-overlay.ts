import type { Line } from './styled.js'
import type { Overlay } from './ui-state.js'

// The `l` dialog: Blender's output of the selected job's frame that failed
// last (its last attempt), as `microfarm log JOB FRAME` prints it, scrollable.

export type LogOverlay = Extract<Overlay, { kind: 'log' }>

export function logContent (overlay: LogOverlay, maxLines: number): { title: string, lines: Line[], scroll?: number } {
  const title = `Job ${overlay.jobId}: the last failed frame's log`
  // No scroll position before the log is there: it opens at its end once it is.
  if (overlay.error !== undefined) return { title, lines: [[{ text: overlay.error, fg: 'red' }]] }
  if (overlay.entry === undefined) return { title, lines: [[{ text: overlay.loaded ? 'no frame of this job has failed' : 'reading the log…', fg: 'gray' }]] }
  const entry = overlay.entry
  const head: Line[] = [
    [{ text: `frame ${entry.frame}, attempt ${entry.attempt} on ${entry.node} at ${entry.at.replace('T', ' ').slice(0, 19)}`, bold: true }],
    [{ text: entry.error ?? 'failed', fg: 'red' }],
  ]
  const body: Line[] = entry.lines.length > 0 ? entry.lines.map(text => [{ text }]) : [[{ text: '(Blender printed nothing for this frame)', fg: 'gray' }]]
  const hint: Line = [{ text: `up/down, PgUp/PgDn: scroll   Esc: close   (all attempts: microfarm log ${overlay.jobId} ${entry.frame} --all)`, fg: 'gray' }]
  const room = Math.max(1, maxLines - head.length - 1)
  // Blender's last lines say why it failed: the log opens at its end.
  const scroll = Math.max(0, Math.min(overlay.scroll ?? body.length, body.length - room))
  return { title, lines: [...head, ...body.slice(scroll, scroll + room), hint], scroll }
}

