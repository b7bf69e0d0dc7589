import { filesContent } from './files-overlay.js'
import { logContent } from './log-overlay.js'
import { KEYS } from './keys.js'
import type { Line } from './styled.js'
import type { Overlay } from './ui-state.js'

export interface OverlayView {
  title: string
  /** The lines inside the frame; the frame itself is two columns and two rows more. */
  lines: Line[]
  width: number
  height: number
  /** Lines the files list scrolled past (clamped): the controller keeps it. */
  scroll?: number
}

/** A dialog: as wide as its content needs (within the screen), at most the screen's height. */
export function overlayView (overlay: Overlay, screen: { width: number, height: number }): OverlayView {
  const maxWidth = Math.max(10, screen.width - 4)
  const maxLines = Math.max(1, screen.height - 4)
  const { title, lines, scroll } = content(overlay, maxLines)
  const widest = Math.max(title.length + 4, ...lines.map(line => line.reduce((n, s) => n + s.text.length, 0)))
  const width = Math.min(maxWidth, Math.max(30, widest + 2))
  const shown = lines.slice(0, maxLines)
  return { title, lines: shown, width: width + 2, height: shown.length + 2, ...(scroll !== undefined ? { scroll } : {}) }
}

function content (overlay: Overlay, maxLines: number): { title: string, lines: Line[], scroll?: number } {
  switch (overlay.kind) {
    case 'help':
      return {
        title: 'Keys',
        lines: KEYS.map(key => [{ text: key.keys.padEnd(11), bold: true, fg: 'cyan' }, { text: key.help }]),
      }
    case 'confirm':
      return {
        title: overlay.title,
        lines: [...overlay.text.map(text => [{ text }]), [], [{ text: ' y ', bg: 'red', fg: 'white', bold: true }, { text: ' yes    ' }, { text: ' n ', bg: 'blue', fg: 'white', bold: true }, { text: ' or Esc: no' }]],
      }
    case 'form':
      return {
        title: overlay.title,
        lines: [
          ...overlay.fields.flatMap((field, i): Line[] => [
            [{ text: field.label, ...(i === overlay.index ? { bold: true } : { fg: 'gray' as const }) }],
            [{ text: i === overlay.index ? '> ' : '  ', fg: 'cyan' }, { text: field.value }, ...(i === overlay.index ? [{ text: '_', fg: 'cyan' as const }] : [])],
          ]),
          overlay.busy === true ? [{ text: 'checking, hashing and storing the file…', fg: 'yellow' }] : overlay.error !== undefined ? [{ text: overlay.error, fg: 'red' }] : [],
          [{ text: 'Enter: next / submit   Tab, up, down: move   Ctrl-U: clear   Esc: cancel', fg: 'gray' }],
        ],
      }
    case 'files':
      return filesContent(overlay, maxLines)
    case 'log':
      return logContent(overlay, maxLines)
  }
}
