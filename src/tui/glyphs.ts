import type { FrameState } from '../jobs/job.js'
import type { Color } from './styled.js'

/** Characters for frame cells and bars: block characters where the terminal has them, ASCII otherwise. */
export interface Glyphs {
  frame: Record<FrameState, string>
  barFull: string
  /** Failed frames in a progress bar (red where there is colour). */
  barFailed: string
  barEmpty: string
  /** The preview draws two pixels a cell with "▀"; without it, one a cell. */
  halfBlock: boolean
}

export const UNICODE_GLYPHS: Glyphs = {
  frame: { done: '█', rendering: '▒', pending: '·', failed: 'X' },
  barFull: '█',
  barFailed: '█',
  barEmpty: '░',
  halfBlock: true,
}

export const ASCII_GLYPHS: Glyphs = {
  frame: { done: '#', rendering: '*', pending: '.', failed: 'X' },
  barFull: '#',
  barFailed: 'X',
  barEmpty: '-',
  halfBlock: false,
}

export const FRAME_COLORS: Record<FrameState, Color> = {
  done: 'green',
  rendering: 'yellow',
  pending: 'gray',
  failed: 'red',
}
