import { plainText } from '../protocol/plain-text.js'

/**
 * Timestamped lines for the long-running commands (coordinator, node). Each
 * is one line, whatever it quotes: a line break in a text would start a line
 * without a time, which a reader takes for one of ours.
 */
export function logLine (line: string): void {
  const now = new Date()
  const time = `${now.toTimeString().slice(0, 8)}.${String(now.getMilliseconds()).padStart(3, '0')}`
  process.stdout.write(`${time} ${plainText(line)}\n`)
}
