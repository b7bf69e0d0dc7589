import { chmod, mkdir, rename, rm, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { CONTENT_PROTOCOL } from '../protocol/constants.js'
import { ProtocolError, RemoteError } from '../protocol/errors.js'
import { MessageChannel } from '../protocol/framing.js'
import { contentResponse } from '../protocol/messages.js'
import type { ContentRequest, ContentResponse } from '../protocol/messages.js'
import { receiveFile } from '../net/payload.js'
import { fileHasSize } from '../store/disk.js'
import type { ContentRef } from '../protocol/project.js'
import { contentFiles, inventory } from './piece-paths.js'
import type { ContentOnDisk, FoundContent } from './piece-paths.js'

export type OpenStream = (protocol: string, signal?: AbortSignal) => Promise<Stream>

/** Fetches big content piece by piece from the coordinator and peers (see node/piece-swarm.ts). */
export interface PieceFetching {
  minBytes: number
  /** Returns a temporary file in `dir` holding the content, verified and fsynced. */
  fetch: (content: ContentRef, dir: string, open: OpenStream, signal?: AbortSignal) => Promise<string>
  completed: (sha256: string, path: string) => void
  forget: (sha256: string) => void
  /** What this folder holds from an earlier run: served to peers again once the coordinator hears of it. */
  adopt: (found: FoundContent[]) => void
}

/** How long the coordinator may take to start sending a file. */
const REPLY_TIMEOUT_MS = 30_000

function withDeadline (signal: AbortSignal | undefined, ms: number): AbortSignal {
  const deadline = AbortSignal.timeout(ms)
  return signal !== undefined ? AbortSignal.any([signal, deadline]) : deadline
}

/**
 * A node's files of every job it rendered, by content hash: what it holds
 * already (from an earlier task or job) is not fetched again; what it
 * receives is checked against the hash before it is used. Bounded: the
 * least recently used content goes first once the cache is over its size,
 * but never content a job in progress needs.
 */
export class ContentCache {
  private readonly fetching = new Map<string, Promise<string>>()
  /** Content already checked in this run: no disk look-up per task. */
  private readonly present = new Set<string>()

  constructor (private readonly dir: string, private readonly limitBytes: number, private readonly pieces?: PieceFetching) {}

  pathFor (sha256: string): string {
    return join(this.dir, sha256)
  }

  async has (content: ContentRef): Promise<boolean> {
    return this.present.has(content.sha256) || fileHasSize(this.pathFor(content.sha256), content.size)
  }

  get limit (): number { return this.limitBytes }

  async ensure (content: ContentRef, open: OpenStream, signal?: AbortSignal): Promise<{ path: string, fetched: boolean }> {
    const path = this.pathFor(content.sha256)
    if (this.present.has(content.sha256) || await fileHasSize(path, content.size)) {
      this.present.add(content.sha256)
      // Its time is when it was last used: what eviction goes by.
      const now = new Date()
      await utimes(path, now, now)
      return { path, fetched: false }
    }
    let pending = this.fetching.get(content.sha256)
    if (pending === undefined) {
      pending = this.fetch(content, open, signal).finally(() => this.fetching.delete(content.sha256))
      this.fetching.set(content.sha256, pending)
    }
    return { path: await pending, fetched: true }
  }

  private async fetch (content: ContentRef, open: OpenStream, signal?: AbortSignal): Promise<string> {
    await mkdir(this.dir, { recursive: true })
    if (this.pieces !== undefined && content.size >= this.pieces.minBytes) {
      try {
        return await this.place(content, await this.pieces.fetch(content, this.dir, open, signal))
      } catch (err) {
        // A coordinator of before pieces: the whole file, as then.
        if (!(err instanceof Error && err.name === 'UnsupportedProtocolError')) throw err
      }
    }
    const stream = await open(CONTENT_PROTOCOL, signal)
    try {
      const channel = new MessageChannel<ContentResponse, ContentRequest>(stream)
      await channel.write({ type: 'get-content', sha256: content.sha256 })
      const reply = await channel.read(contentResponse, { signal: withDeadline(signal, REPLY_TIMEOUT_MS) })
      if (reply.type === 'error') throw new RemoteError(`coordinator could not send ${content.sha256.slice(0, 12)}…: ${reply.message}`)
      if (reply.sha256 !== content.sha256) throw new ProtocolError('coordinator sent other content than asked for')
      if (reply.size !== content.size) throw new ProtocolError(`coordinator announced ${reply.size} bytes for content of ${content.size}`)
      const tempPath = join(this.dir, `.${content.sha256}.${randomBytes(4).toString('hex')}.part`)
      await receiveFile(channel.unwrap(), { size: reply.size, sha256: content.sha256, tempPath, ...(signal !== undefined ? { signal } : {}) })
      const path = await this.place(content, tempPath)
      await stream.close()
      return path
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }

  /** A verified temporary file takes the content's name. */
  private async place (content: ContentRef, tempPath: string): Promise<string> {
    const path = this.pathFor(content.sha256)
    // Read-only: the jobs' trees are hard links to this one copy, and a write
    // through one of them (Blender rewriting a cache file) must fail, not
    // change the content every later job gets.
    await chmod(tempPath, 0o444)
    await rename(tempPath, path)
    this.present.add(content.sha256)
    this.pieces?.completed(content.sha256, path)
    return path
  }

  /**
   * Removes least recently used content until the cache holds at most its
   * limit minus `room`, keeping everything in `keep`. Content fetched in part
   * (its verified pieces, kept to resume) counts by what it takes on disk and
   * goes the same way, its bitfield with it. Returns what went.
   */
  async evict (keep: ReadonlySet<string>, room = 0): Promise<{ files: number, bytes: number }> {
    const entries = (await inventory(this.dir)).contents.flatMap(c => {
      const bytes = (c.whole?.size ?? 0) + (c.partial?.bytes ?? 0)
      const used = Math.max(c.whole?.used ?? 0, c.partial?.used ?? 0)
      return c.whole === undefined && c.partial === undefined ? [] : [{ sha256: c.sha256, bytes, used }]
    })
    let total = entries.reduce((sum, e) => sum + e.bytes, 0)
    const removed = { files: 0, bytes: 0 }
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (total + room <= this.limitBytes) break
      if (keep.has(entry.sha256) || this.fetching.has(entry.sha256)) continue
      await this.remove(entry.sha256)
      total -= entry.bytes
      removed.files++
      removed.bytes += entry.bytes
    }
    return removed
  }

  private async remove (sha256: string): Promise<void> {
    this.pieces?.forget(sha256)
    this.present.delete(sha256)
    const files = contentFiles(this.dir, sha256)
    await Promise.all([files.whole, files.partial, files.have].map(async file => rm(file, { force: true })))
  }

  /**
   * At start, what an earlier run left: whole-file transfers cut off go, and
   * so do fetches in pieces that cannot resume (no verified piece kept, or
   * the content is whole by now); the rest is trimmed to the size limit and
   * handed to the swarm, which serves it to peers again.
   */
  async removeTemporaries (): Promise<void> {
    const { contents, parts } = await inventory(this.dir)
    await Promise.all(parts.map(async name => rm(join(this.dir, name), { force: true })))
    await Promise.all(contents.map(async (c) => {
      if (resumable(c)) return
      const files = contentFiles(this.dir, c.sha256)
      await Promise.all([files.partial, files.have].map(async file => rm(file, { force: true })))
    }))
    await this.evict(new Set())
    if (this.pieces === undefined) return
    const minBytes = this.pieces.minBytes
    this.pieces.adopt((await inventory(this.dir)).contents.flatMap((c): FoundContent[] => {
      const size = c.whole?.size ?? (resumable(c) ? c.partial?.size : undefined)
      // Content below minBytes comes whole from the coordinator: nobody asks peers for it.
      return size === undefined || size < minBytes ? [] : [{ sha256: c.sha256, size, whole: c.whole !== undefined, files: contentFiles(this.dir, c.sha256) }]
    }))
  }
}

/** A fetch in pieces an earlier run left that the next one goes on from. */
function resumable (c: ContentOnDisk): boolean {
  return c.whole === undefined && c.partial !== undefined && c.have
}
