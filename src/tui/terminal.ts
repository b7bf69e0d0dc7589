import blessed from 'blessed'
import type { Widgets } from 'blessed'
import type { Readable, Writable } from 'node:stream'
import type { KeyPress } from './controller.js'
import type { Color, Line } from './styled.js'
import type { View } from './view-model.js'
import { plainText } from '../protocol/plain-text.js'

// The only file that knows blessed: it paints a View (lines of styled text and
// an optional dialog) and reports keys and resizes. Everything it shows was
// decided by the pure view model.

export interface TerminalStreams {
  input: Readable
  output: Writable
  /** terminfo name; default: the TERM environment variable. */
  terminal?: string
}

export interface TerminalHandlers {
  key: (press: KeyPress) => void
  resize: () => void
}

export class Terminal {
  readonly screen: Widgets.Screen
  private readonly main: Widgets.BoxElement
  private readonly dialog: Widgets.BoxElement

  constructor (streams: TerminalStreams, handlers: TerminalHandlers) {
    this.screen = blessed.screen({
      // @types/blessed swaps the two stream types of the screen options.
      input: streams.input as unknown as Writable,
      output: streams.output as unknown as Readable,
      ...(streams.terminal !== undefined ? { terminal: streams.terminal } : {}),
      smartCSR: true,
      autoPadding: false,
      warnings: false,
      title: 'MicroFarm',
    })
    this.main = blessed.box({ parent: this.screen, top: 0, left: 0, width: '100%', height: '100%', tags: true, wrap: false })
    this.dialog = blessed.box({
      parent: this.screen, top: 'center', left: 'center', width: 40, height: 5, tags: true, wrap: false, hidden: true,
      border: { type: 'line' }, style: { border: { fg: 'cyan' }, label: { fg: 'cyan', bold: true } },
    })
    this.screen.on('keypress', (ch: string | undefined, key: Widgets.Events.IKeyEventArg) => {
      handlers.key({ full: key.full, ...(ch !== undefined ? { ch } : {}) })
    })
    this.screen.on('resize', handlers.resize)
  }

  get size (): { width: number, height: number } {
    return { width: Number(this.screen.width), height: Number(this.screen.height) }
  }

  /** Whether the terminal shows block characters (blessed reads terminfo and the locale). */
  get unicode (): boolean {
    return (this.screen.program as unknown as { tput?: { unicode?: boolean } }).tput?.unicode === true
  }

  /** How many colours the terminal has, as blessed read them from terminfo (256 when it cannot tell). */
  get colors (): number {
    return (this.screen.program as unknown as { tput?: { colors?: number } }).tput?.colors ?? 256
  }

  /**
   * Grey is colour 8, which a terminal of 8 colours (tmux and screen by
   * default) shows as black: unreadable on a dark background. There it is white.
   */
  private get grey (): Color {
    return this.colors >= 16 ? 'gray' : 'white'
  }

  paint (view: View): void {
    const grey = this.grey
    this.main.setContent(view.lines.map(line => toTags(line, grey)).join('\n'))
    if (view.overlay === undefined) {
      this.dialog.hide()
    } else {
      this.dialog.width = view.overlay.width
      this.dialog.height = view.overlay.height
      this.dialog.setLabel(` ${blessed.escape(plainText(view.overlay.title))} `)
      this.dialog.setContent(view.overlay.lines.map(line => toTags(line, grey)).join('\n'))
      this.dialog.show()
      this.dialog.setFront()
    }
    this.screen.render()
  }

  /** Forgets what blessed believes is on screen and draws everything again (Ctrl-L). */
  redraw (): void {
    this.screen.realloc()
    this.screen.render()
  }

  /** Leaves the alternate screen and restores the terminal's modes. */
  destroy (): void {
    this.screen.destroy()
  }
}

function toTags (line: Line, grey: Color): string {
  return line.map((segment) => {
    const fg = segment.fg === 'gray' ? grey : segment.fg
    const open = [
      fg !== undefined ? `{${fg}-fg}` : '',
      segment.bg !== undefined ? `{${segment.bg}-bg}` : '',
      segment.bold === true ? '{bold}' : '',
    ].join('')
    // Plain before it is drawn: a control character would act on the terminal, not show.
    const text = blessed.escape(plainText(segment.text))
    return open === '' ? text : `${open}${text}{/}`
  }).join('')
}
