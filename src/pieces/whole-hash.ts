import { createHash } from 'node:crypto'

/**
 * The whole content's SHA-256 while pieces arrive in any order: carried
 * forward over every piece held in order (from memory when it is the piece
 * just verified, else read back, most likely from the page cache), so a
 * fetch needs no second pass over the file at its end.
 */
export class InOrderHash {
  private readonly hash = createHash('sha256')
  private next = 0
  private chain: Promise<void> = Promise.resolve()

  /** `onError`: a piece that could not be read back (the fetch fails with it). */
  constructor (
    private readonly count: number,
    private readonly has: (index: number) => boolean,
    private readonly read: (index: number) => Promise<Uint8Array>,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Piece `index` is held now; `bytes` are its bytes. */
  add (index: number, bytes: Uint8Array): void {
    this.chain = this.chain.then(async () => {
      while (this.next < this.count && this.has(this.next)) {
        const current = this.next
        this.hash.update(current === index ? bytes : await this.read(current))
        this.next++
      }
    }).catch((err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err))))
  }

  /** Once every piece is held and added: the hex digest. */
  async digest (): Promise<string> {
    await this.chain
    return this.hash.digest('hex')
  }
}
