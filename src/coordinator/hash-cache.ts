import { sha256File } from '../net/payload.js'

interface Entry { size: number, mtimeMs: number, sha256: string }

/** Enough for ten jobs of 10 000 frames and more; the oldest looked-up entries go first past it. */
const DEFAULT_MAX_ENTRIES = 200_000

/**
 * SHA-256 of the coordinator's result files, kept by path, size and mtime:
 * listing a job of 10 000 frames once a second must not read every frame
 * again. A file written again (a re-encoded video) has another mtime and is
 * hashed anew; two listings asking at once hash it once.
 */
export class HashCache {
  private readonly entries = new Map<string, Entry>()
  private readonly hashing = new Map<string, Promise<string>>()
  /** Files read to hash them so far (tests and benchmarks see the cache work). */
  hashed = 0

  constructor (private readonly maxEntries = DEFAULT_MAX_ENTRIES, private readonly hashFile: (path: string) => Promise<string> = sha256File) {}

  async sha256 (path: string, size: number, mtimeMs: number): Promise<string> {
    const known = this.entries.get(path)
    if (known !== undefined && known.size === size && known.mtimeMs === mtimeMs) {
      // Looked up again: the newest, the last to go.
      this.entries.delete(path)
      this.entries.set(path, known)
      return known.sha256
    }
    const key = `${path}\0${size}\0${mtimeMs}`
    const running = this.hashing.get(key)
    if (running !== undefined) return running
    const hashing = this.hash(path, size, mtimeMs).finally(() => this.hashing.delete(key))
    this.hashing.set(key, hashing)
    return hashing
  }

  private async hash (path: string, size: number, mtimeMs: number): Promise<string> {
    this.hashed++
    const sha256 = await this.hashFile(path)
    this.entries.delete(path)
    this.entries.set(path, { size, mtimeMs, sha256 })
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break
      this.entries.delete(oldest)
    }
    return sha256
  }
}
