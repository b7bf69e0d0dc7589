import path from 'node:path'
import type { JobFile } from '../coordinator/api.js'
import { formatBytes } from './format.js'
import type { Line } from './styled.js'
import type { Overlay } from './ui-state.js'

// The `o` dialog: the selected job's frames and videos on the coordinator's
// disk, a cursor to move, Enter to see a frame in the preview.

export type FilesOverlay = Extract<Overlay, { kind: 'files' }>

/** The list as shown: videos first (what one usually wants from a finished job), then the frames in order. */
export function filesInOrder (files: readonly JobFile[]): JobFile[] {
  return [...files.filter(file => file.kind === 'video'), ...files.filter(file => file.kind === 'frame')]
}

/** The frame number in a frame file's name (`frame_0012.png` → 12), as the output layout names them. */
export function frameOfFile (file: JobFile): number | undefined {
  const match = file.kind === 'frame' ? /^frame_(\d+)\./.exec(path.basename(file.path)) : null
  return match === null ? undefined : Number(match[1])
}

export function filesContent (overlay: FilesOverlay, maxLines: number): { title: string, lines: Line[], scroll: number } {
  const title = `Job ${overlay.jobId}: files`
  if (overlay.error !== undefined) return { title, lines: [[{ text: overlay.error, fg: 'red' }]], scroll: 0 }
  if (overlay.files === undefined) return { title, lines: [[{ text: 'reading the folder…', fg: 'gray' }]], scroll: 0 }
  const files = filesInOrder(overlay.files)
  const rows: Line[] = files.map((file, i) => fileRow(file, i === overlay.index))
  const hint: Line = [{ text: 'up/down, PgUp/PgDn: move   Enter: frame in the preview   Esc: close', fg: 'gray' }]
  const head = summary(files)
  const room = Math.max(1, maxLines - head.length - 1)
  let scroll = Math.max(0, Math.min(overlay.scroll, files.length - room))
  if (overlay.index < scroll) scroll = overlay.index
  if (overlay.index >= scroll + room) scroll = overlay.index - room + 1
  return { title, lines: [...head, ...rows.slice(scroll, scroll + room), hint], scroll }
}

function summary (files: readonly JobFile[]): Line[] {
  const frames = files.filter(file => file.kind === 'frame')
  const videos = files.filter(file => file.kind === 'video')
  const sum = (list: readonly JobFile[]): string => formatBytes(list.reduce((n, file) => n + file.bytes, 0))
  const folders = [...new Set(files.map(file => path.dirname(file.path)))]
  return [
    [{ text: `${frames.length} frame file(s), ${sum(frames)}; ${videos.length} video(s), ${sum(videos)}`, bold: true }],
    [{ text: `in ${folders.join(', ') || '(no files yet)'}`, fg: 'gray' }],
  ]
}

function fileRow (file: JobFile, selected: boolean): Line {
  const frame = frameOfFile(file)
  const what = file.kind === 'video' ? 'video' : frame !== undefined ? `frame ${String(frame).padStart(5)}` : 'frame'
  const style = selected ? { bg: 'blue' as const } : {}
  return [
    { text: selected ? '>' : ' ', fg: 'cyan', bold: true, ...style },
    { text: formatBytes(file.bytes).padStart(10), fg: file.kind === 'video' ? 'green' : 'gray', ...style },
    { text: `  ${what.padEnd(11)}  `, ...style },
    { text: path.basename(file.path), ...style },
  ]
}

const STEPS: Record<string, number> = { 'up': -1, 'k': -1, 'down': 1, 'j': 1, 'home': -Infinity, 'g': -Infinity, 'end': Infinity, 'G': Infinity }

/** Moves the cursor for a key (up/down, j/k, PgUp/PgDn by `page`, g/G); other keys change nothing. */
export function moveFilesCursor (overlay: FilesOverlay, key: string, page: number): void {
  const step = key === 'pageup' ? -page : key === 'pagedown' ? page : STEPS[key]
  if (step === undefined) return
  const last = Math.max(0, (overlay.files?.length ?? 0) - 1)
  overlay.index = Math.max(0, Math.min(last, overlay.index + step))
}
