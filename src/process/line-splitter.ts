// Child processes write in arbitrary chunks; their parsers want whole lines.
export class LineSplitter {
  private rest = ''

  constructor (private readonly onLine: (line: string) => void) {}

  push (chunk: string): void {
    const text = this.rest + chunk
    const lines = text.split(/\r?\n|\r/)
    this.rest = lines.pop() ?? ''
    for (const line of lines) this.onLine(line)
  }

  flush (): void {
    if (this.rest !== '') this.onLine(this.rest)
    this.rest = ''
  }
}
