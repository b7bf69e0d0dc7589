/** Timestamped lines for the long-running commands (coordinator, node). */
export function logLine (line: string): void {
  const time = new Date().toTimeString().slice(0, 8)
  process.stdout.write(`${time} ${line}\n`)
}
