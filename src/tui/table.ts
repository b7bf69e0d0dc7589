import { fit } from './format.js'
import { fitLine } from './styled.js'
import type { Line, Segment } from './styled.js'

export interface Column {
  title: string
  /** Width at least; flexible columns share what the screen has beyond the sum. */
  width: number
  align?: 'left' | 'right'
  /** Share of the spare width this column takes (0 = fixed). */
  flex?: number
}

/** Column widths for `total` columns of screen (one space between columns). */
export function sizeColumns (columns: readonly Column[], total: number): number[] {
  const widths = columns.map(column => column.width)
  const used = widths.reduce((sum, w) => sum + w, 0) + columns.length - 1
  const flexTotal = columns.reduce((sum, column) => sum + (column.flex ?? 0), 0)
  let spare = total - used
  if (flexTotal === 0 || spare === 0) return widths
  // Too narrow: flexible columns give way first, never below 4 columns.
  columns.forEach((column, i) => {
    const flex = column.flex ?? 0
    if (flex === 0) return
    const share = spare > 0 ? Math.floor(spare * flex / flexTotal) : Math.max(Math.ceil(spare * flex / flexTotal), 4 - (widths[i] ?? 0))
    widths[i] = (widths[i] ?? 0) + share
  })
  spare = total - (widths.reduce((sum, w) => sum + w, 0) + columns.length - 1)
  const first = columns.findIndex(column => (column.flex ?? 0) > 0)
  if (spare > 0 && first >= 0) widths[first] = (widths[first] ?? 0) + spare
  return widths
}

export type Cell = string | Segment | Line

/** One row: each cell fitted to its column; a cell is text, a styled segment, or a styled line. */
export function tableRow (cells: readonly Cell[], columns: readonly Column[], widths: readonly number[]): Line {
  const line: Line = []
  cells.forEach((cell, i) => {
    const width = widths[i] ?? 0
    if (i > 0) line.push({ text: ' ' })
    if (Array.isArray(cell)) {
      line.push(...fitLine(cell, width))
    } else {
      const segment = typeof cell === 'string' ? { text: cell } : cell
      line.push({ ...segment, text: fit(segment.text, width, columns[i]?.align) })
    }
  })
  return line
}

export function tableHeader (columns: readonly Column[], widths: readonly number[]): Line {
  return tableRow(columns.map(column => column.title), columns, widths)
}
