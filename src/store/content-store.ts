import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { parseProjectManifest } from '../protocol/project.js'
import type { ContentRef, ProjectManifest, ProjectRef } from '../protocol/project.js'
import { diskFullWhileWriting, ensureRoom, fileHasSize, isDiskFull } from './disk.js'
import type { OutputLayout } from './layout.js'
import { ifExists } from '../util/if-exists.js'

const CONTENT_NAME = /^[0-9a-f]{64}$/
/** Parsed project manifests kept in memory (the files stay on disk either way). */
const MANIFESTS_KEPT = 64

export class ContentStoreError extends Error {
  override name = 'ContentStoreError'
}

/**
 * The coordinator's files of every job, each stored once under its SHA-256:
 * a texture library shared by ten jobs is here once. A file gets its final
 * name only once complete and checked (see `put`), so a submit interrupted
 * half-way leaves nothing that looks stored, and a submit run again sends
 * only what is still missing. Content a submit in flight has announced is
 * pinned: a concurrent delete or clear does not collect it.
 */
export class ContentStore {
  private readonly pins = new Map<string, number>()
  /** Parsed manifests, the most recently used last; bounded, so a flood of submits cannot fill memory. */
  private readonly manifests = new Map<string, ProjectManifest>()
  /** While a collection runs, released pins wait here until it ends (see `collect`). */
  private sweep?: { released: string[][] }

  constructor (private readonly layout: OutputLayout) {}

  async init (): Promise<void> {
    await mkdir(this.layout.contentDir, { recursive: true })
    // Half-received uploads of a coordinator that was killed.
    for (const name of await readdir(this.layout.contentDir)) {
      if (name.startsWith('.upload-') && name.endsWith('.part')) await rm(`${this.layout.contentDir}/${name}`, { force: true })
    }
    await this.adoptLegacyBlends()
  }

  path (sha256: string): string { return this.layout.contentPath(sha256) }

  async has (content: ContentRef): Promise<boolean> {
    return fileHasSize(this.path(content.sha256), content.size)
  }

  /**
   * Stores content unless it is here already. `write` fills a temporary file
   * and checks its hash (receiveFile does); it takes its real name after.
   * A disk without room is said before any byte moves.
   */
  async put (content: ContentRef, what: string, write: (tempPath: string) => Promise<void>): Promise<'had' | 'stored'> {
    if (await this.has(content)) return 'had'
    await ensureRoom(this.layout.contentDir, content.size, what)
    const tempPath = this.layout.contentTempPath()
    try {
      await write(tempPath)
      await rename(tempPath, this.path(content.sha256))
    } catch (err) {
      await rm(tempPath, { force: true })
      throw isDiskFull(err) ? diskFullWhileWriting(err, this.layout.contentDir, what) : err
    }
    return 'stored'
  }

  /** A project manifest from the store, validated like any input (it came from a peer once). */
  async manifest (ref: ProjectRef): Promise<ProjectManifest> {
    const known = this.manifests.get(ref.sha256)
    if (known !== undefined) {
      this.manifests.delete(ref.sha256)
      this.manifests.set(ref.sha256, known)
      return known
    }
    let bytes: Buffer
    try {
      bytes = await readFile(this.path(ref.sha256))
    } catch (err) {
      throw new ContentStoreError(`the project manifest ${ref.sha256.slice(0, 12)}… is not in the coordinator's store`, { cause: err })
    }
    const manifest = parseProjectManifest(bytes, ref.sha256)
    this.manifests.set(ref.sha256, manifest)
    for (const oldest of this.manifests.keys()) {
      if (this.manifests.size <= MANIFESTS_KEPT) break
      this.manifests.delete(oldest)
    }
    return manifest
  }

  /** Keeps content from being collected until the returned function is called. */
  pin (hashes: Iterable<string>): () => void {
    const pinned = [...new Set(hashes)]
    for (const sha of pinned) this.pins.set(sha, (this.pins.get(sha) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      // A collection that began before this job existed must not see its content unpinned.
      if (this.sweep !== undefined) {
        this.sweep.released.push(pinned)
        return
      }
      this.unpin(pinned)
    }
  }

  private unpin (pinned: readonly string[]): void {
    for (const sha of pinned) {
      const count = (this.pins.get(sha) ?? 1) - 1
      if (count <= 0) this.pins.delete(sha)
      else this.pins.set(sha, count)
    }
  }

  /**
   * Removes content that is neither `needed` (asked once the collection has
   * begun; undefined when that cannot be told: then nothing goes) nor pinned. Pins released meanwhile hold until it ends: a job
   * submitted during a collection is not in the needed set it computed, but
   * its content was pinned until the job existed. Returns how many files went.
   */
  async collect (needed: () => Promise<ReadonlySet<string> | undefined>): Promise<number> {
    if (this.sweep !== undefined) return 0
    const sweep = { released: [] as string[][] }
    this.sweep = sweep
    try {
      const keep = await needed()
      if (keep === undefined) return 0
      let removed = 0
      for (const name of await readdir(this.layout.contentDir)) {
        if (!CONTENT_NAME.test(name) || keep.has(name) || this.pins.has(name)) continue
        await rm(this.path(name), { force: true })
        // Its piece list, kept beside it (see pieces/piece-files.ts).
        await rm(`${this.path(name)}.pieces`, { force: true })
        this.manifests.delete(name)
        removed++
      }
      return removed
    } finally {
      this.sweep = undefined
      for (const pinned of sweep.released) this.unpin(pinned)
    }
  }

  /** .blend files stored by an older MicroFarm (`blends/<sha>.blend`) become content. */
  private async adoptLegacyBlends (): Promise<void> {
    const names = await ifExists(readdir(this.layout.legacyBlendDir))
    if (names === undefined) return
    for (const name of names) {
      const match = /^([0-9a-f]{64})\.blend$/.exec(name)
      if (match !== null) await rename(`${this.layout.legacyBlendDir}/${name}`, this.path(match[1] as string))
    }
    await rm(this.layout.legacyBlendDir, { recursive: true, force: true })
  }
}
