import { isLoadWarning, parseBlenderLine } from './output-parser.js'
import { MAX_LOG_BYTES, MAX_LOG_LINE_CHARS, MAX_LOG_LINES } from '../protocol/frame-logs.js'

// What a node keeps of Blender's output for one frame: enough to see why it
// failed (the last lines before the error), never enough to fill a node's
// memory or a message (a Cycles frame prints a line every few samples).

/** The last lines of an output, within MAX_LOG_LINES and MAX_LOG_BYTES (protocol/frame-logs.ts): what a message may carry. */
export class OutputTail {
  private readonly kept: string[] = []
  private bytes = 0

  push (line: string): void {
    const text = line.length > MAX_LOG_LINE_CHARS ? `${line.slice(0, MAX_LOG_LINE_CHARS)}…` : line
    this.kept.push(text)
    this.bytes += Buffer.byteLength(text) + 1
    while (this.kept.length > MAX_LOG_LINES || this.bytes > MAX_LOG_BYTES) {
      this.bytes -= Buffer.byteLength(this.kept.shift() ?? '') + 1
    }
  }

  lines (): string[] { return [...this.kept] }
}

/**
 * Lines of a frame that rendered that still deserve a look: a file Blender
 * could not load, a fallback, an add-on's error. Blender says these nowhere
 * else, and the frame may look wrong for them.
 */
export function frameWarnings (lines: readonly string[]): string[] {
  return lines.filter(line => isLoadWarning(line) || /^\s*Warning: /i.test(line) || /^WARN \(/.test(line) || parseBlenderLine(line).kind === 'error')
}
