// The view model's output: lines made of styled segments, plain data with no
// terminal markup, so a job name like "{red-fg}" is only ever text. The blessed
// layer turns them into tags (escaping the text).

export type NamedColor = 'green' | 'yellow' | 'red' | 'cyan' | 'blue' | 'magenta' | 'gray' | 'white' | 'black'
/** A name, or an index in the terminal's palette (0–255: the preview's pixels). */
export type Color = NamedColor | number

export interface Segment {
  text: string
  fg?: Color
  /** Not gray: blessed ignores a gray background. */
  bg?: Exclude<Color, 'gray'>
  bold?: boolean
}

export type Line = Segment[]

export function seg (text: string, style: Omit<Segment, 'text'> = {}): Segment {
  return { text, ...style }
}

export function plain (line: Line): string {
  return line.map(segment => segment.text).join('')
}

/** Cuts the line to `width` columns (an ellipsis marks the cut) and pads it to exactly `width`. */
export function fitLine (line: Line, width: number, fill: Omit<Segment, 'text'> = {}): Line {
  const out: Line = []
  let used = 0
  const total = line.reduce((sum, segment) => sum + segment.text.length, 0)
  for (const segment of line) {
    if (used >= width) break
    const room = width - used
    let text = segment.text
    if (text.length > room || (text.length === room && total > width)) text = `${text.slice(0, Math.max(0, room - 1))}…`
    out.push({ ...segment, text })
    used += text.length
  }
  if (used < width) out.push({ ...fill, text: ' '.repeat(width - used) })
  return out
}

/** Applies a style to every segment (a selected row, a title bar), keeping their own colours where set. */
export function restyle (line: Line, style: Omit<Segment, 'text'>): Line {
  return line.map(segment => ({ ...style, ...segment, ...(style.bg !== undefined ? { bg: style.bg } : {}) }))
}
