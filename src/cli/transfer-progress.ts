import { formatBytes } from '../util/format-bytes.js'
import type { SubmitProgress } from '../client/coordinator-client.js'

/** At most this often a progress line is rewritten (a terminal) or printed (a log). */
const TTY_INTERVAL_MS = 250
const LOG_INTERVAL_MS = 5_000

/**
 * A submit's upload (or a download: `verb`) as the user sees it: files and bytes, rate, time
 * left. On a terminal one line rewritten in place; otherwise a line every
 * few seconds, so a log stays readable. `now` is injected for tests.
 */
export function transferProgress (out: NodeJS.WriteStream, now: () => number = Date.now, verb = 'sending'): { update: (p: SubmitProgress) => void, end: () => void } {
  const started = now()
  let shown = 0
  let last: SubmitProgress | undefined
  const tty = out.isTTY
  const write = (p: SubmitProgress): void => {
    const line = describeProgress(p, (now() - started) / 1000, verb)
    out.write(tty ? `\r\x1b[2K${line}` : `${line}\n`)
  }
  return {
    update (p) {
      last = p
      if (p.filesTotal === 0) return
      const t = now()
      if (t - shown < (tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return
      shown = t
      write(p)
    },
    end () {
      if (last === undefined || last.filesTotal === 0) return
      write(last)
      if (tty) out.write('\n')
    },
  }
}

export function describeProgress (p: SubmitProgress, seconds: number, verb = 'sending'): string {
  const rate = seconds > 0 ? p.bytes / seconds : 0
  const left = rate > 0 ? (p.bytesTotal - p.bytes) / rate : undefined
  const eta = left === undefined || p.bytes >= p.bytesTotal ? '' : `, ${formatSeconds(left)} left`
  return `${verb} ${p.files}/${p.filesTotal} files, ${formatBytes(p.bytes)} of ${formatBytes(p.bytesTotal)}, ${formatBytes(rate)}/s${eta}`
}

function formatSeconds (seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`
  const minutes = Math.floor(seconds / 60)
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}
