/** Timestamped lines for the long-running commands (coordinator, node). */
export function logLine (line: string): void {
  const now = new Date()
  const time = `${now.toTimeString().slice(0, 8)}.${String(now.getMilliseconds()).padStart(3, '0')}`
  process.stdout.write(`${time} ${line}\n`)
}
