import { wrap } from './format.js'
import { nearestColor, paletteSize } from './palette.js'
import { fitCells, resample } from './picture.js'
import type { Picture } from './picture.js'
import { fitLine, plain } from './styled.js'
import type { Line, Segment } from './styled.js'

// The selected job's frame as a picture made of cells: "▀" with the upper
// pixel as its foreground and the lower one as its background, two pixels a
// cell. Pure: the pixels come decoded (and already small) from the preview
// service; this only scales them to the cells there are and picks colours.

/** What the preview shows for a frame, as the preview service last found it. */
export type FramePreview =
  | { frame: number, state: 'loading' }
  /** `source`: the frame's own size (the picture is already scaled down). */
  | { frame: number, state: 'picture', picture: Picture, source: { width: number, height: number } }
  | { frame: number, state: 'note', note: string }

export interface PreviewOptions {
  /** Most columns and rows the preview may take (a caption line included). */
  columns: number
  rows: number
  /** The terminal's number of colours: 256, 16, 8. */
  colors: number
  /** Half-block characters; without them, one pixel a cell (a coloured space). */
  halfBlock: boolean
  /** The user picked this frame in the files list, rather than the latest. */
  picked: boolean
}

export interface PreviewBox {
  /** Columns used: at most PreviewOptions.columns. */
  columns: number
  lines: Line[]
}

export interface PreviewPlace {
  /** Most columns it may take. */
  columns: number
  /** Beside the job detail and the log; otherwise beside the log alone. */
  besideDetail: boolean
}

/** The rest of the screen keeps the 80 columns the dashboard is laid out for. */
const KEEP_COLUMNS = 79
const MIN_COLUMNS = 16
const MAX_COLUMNS = 64
/** A caption and three rows of picture, or it is not worth showing. */
export const MIN_PREVIEW_ROWS = 4

/**
 * Where the preview goes on a screen `width` wide. It never takes rows from
 * the lists above: on a wide screen it sits beside the job detail and the log,
 * on a narrow one (80 columns) beside the log alone, whose lines it shortens.
 */
export function previewPlace (width: number): PreviewPlace | undefined {
  const wide = Math.min(MAX_COLUMNS, Math.floor(width * 0.4), width - KEEP_COLUMNS - 1)
  if (wide >= MIN_COLUMNS) return { columns: wide, besideDetail: true }
  const narrow = Math.floor(width * 0.4)
  return narrow >= MIN_COLUMNS ? { columns: narrow, besideDetail: false } : undefined
}

/** A caption line, then the picture, or a note about why there is none. */
export function previewBox (preview: FramePreview, o: PreviewOptions): PreviewBox {
  const room = Math.max(0, o.rows - 1)
  const picture = preview.state === 'picture' && paletteSize(o.colors) > 0 && room > 0 ? preview : undefined
  const cells = picture !== undefined ? fitCells(picture.picture, o.columns, room) : undefined
  const size = preview.state === 'picture' ? `  ${preview.source.width}×${preview.source.height}` : ''
  const caption: Line = [
    { text: `frame ${preview.frame}${o.picked ? ' (picked)' : ''}`, bold: true },
    { text: `${size}  v hides`, fg: 'gray' },
  ]
  // As wide as the picture, or its caption when that is wider, within the room given.
  const columns = cells !== undefined ? Math.min(o.columns, Math.max(MIN_COLUMNS, cells.columns, plain(caption).length)) : o.columns
  const body = picture !== undefined && cells !== undefined
    ? pictureLines(picture.picture, { ...cells, colors: o.colors, halfBlock: o.halfBlock })
    : noteLines(preview, columns, room)
  return { columns, lines: [fitLine(caption, columns), ...body.slice(0, room)] }
}

function noteLines (preview: FramePreview, columns: number, rows: number): Line[] {
  const [text, fg] = preview.state === 'note'
    ? [preview.note, 'yellow' as const]
    : [preview.state === 'loading' ? 'reading the frame…' : 'a terminal without colours shows no preview', 'gray' as const]
  return wordWrap(text, columns).slice(0, rows).map(line => [{ text: line, fg }])
}

function wordWrap (text: string, width: number): string[] {
  const lines: string[] = []
  for (const word of text.split(' ')) {
    const last = lines[lines.length - 1]
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`
    else lines.push(...wrap(word, width, 0))
  }
  return lines
}

// Transparent parts show a dark checkerboard (squares of 4 pixels), as image
// editors do; dark so that it reads as "nothing" on a dark terminal.
const CHECKER = [48, 68] as const

function composite (data: Uint8Array, i: number, x: number, y: number): [number, number, number] {
  const alpha = (data[i + 3] as number) / 255
  const back = CHECKER[((x >> 2) + (y >> 2)) & 1] as number
  const over = (c: number): number => Math.round(c * alpha + back * (1 - alpha))
  return [over(data[i] as number), over(data[i + 1] as number), over(data[i + 2] as number)]
}

interface CellOptions { columns: number, rows: number, colors: number, halfBlock: boolean }

// A picture is drawn ten times a second at the same size: the cells are kept
// with it until the size or the colours change.
const drawn = new WeakMap<Picture, { key: string, lines: Line[] }>()

/** The picture scaled to `columns`×`rows` cells, each cell's colours the nearest the terminal has. */
export function pictureLines (picture: Picture, o: CellOptions): Line[] {
  const key = `${o.columns}x${o.rows}/${o.colors}/${o.halfBlock}`
  const kept = drawn.get(picture)
  if (kept?.key === key) return kept.lines
  const perCell = o.halfBlock ? 2 : 1
  const scaled = resample(picture, o.columns, o.rows * perCell)
  const colour = (x: number, y: number): number => nearestColor(...composite(scaled.data, (y * o.columns + x) * 4, x, y), o.colors)
  const lines: Line[] = []
  for (let row = 0; row < o.rows; row++) {
    const cells: Segment[] = []
    for (let x = 0; x < o.columns; x++) {
      cells.push(o.halfBlock
        ? { text: '▀', fg: colour(x, row * 2), bg: colour(x, row * 2 + 1) }
        : { text: ' ', bg: colour(x, row) })
    }
    lines.push(runs(cells))
  }
  drawn.set(picture, { key, lines })
  return lines
}

/** Neighbouring cells of the same colours become one segment: fewer tags to draw. */
function runs (cells: Segment[]): Line {
  const out: Line = []
  for (const cell of cells) {
    const last = out[out.length - 1]
    if (last !== undefined && last.fg === cell.fg && last.bg === cell.bg) last.text += cell.text
    else out.push({ ...cell })
  }
  return out
}

/** Lines of the left side, then the preview's, side by side: `left` wide, a space, the preview. */
export function besidePreview (left: Line[], leftWidth: number, box: PreviewBox): Line[] {
  return left.map((line, i) => [...fitLine(line, leftWidth), { text: ' ' }, ...fitLine(box.lines[i] ?? [], box.columns)])
}
