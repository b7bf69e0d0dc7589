import { copyFile, link, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { parseProjectManifest, treePathProblem } from '../protocol/project.js'
import type { ProjectManifest, RemapEntry } from '../protocol/project.js'
import { ProtocolError } from '../protocol/errors.js'
import type { Task } from '../protocol/messages.js'
import type { ContentCache, OpenStream } from './content-cache.js'
import { ensureRoom } from '../store/disk.js'
import { mapConcurrent } from '../util/map-concurrent.js'
import { ifExists } from '../util/if-exists.js'

/** A job's scene laid out on this node, ready for Blender. */
export interface PreparedScene {
  /** The tree's name: the project manifest's hash (or the .blend's, for a job from before projects). */
  key: string
  blendPath: string
  /** Absolute paths in the scene → where their content lies in this tree (`to` absolute). */
  remap: RemapEntry[]
  /** Paths (as the .blend names them) the submitter knew were missing and sent anyway. */
  allowedMissing: string[]
  /** Content this node fetched for it just now. */
  fetched: { files: number, bytes: number }
  /** The project alone is larger than the cache may hold: it is kept while the job runs, and goes after. */
  overCacheLimit: boolean
}

/** Files fetched at once: enough to overlap round trips, few enough to keep each one fast. */
const FETCH_CONCURRENCY = 4

/**
 * Per-project folders in which every file of a job lies where the scene
 * expects it, relative to the main .blend, under its original name (Blender
 * finds disk caches by the .blend's own name). Built from the content cache
 * with hard links (copies where the file system refuses them), so content
 * shared by several jobs is on disk once; two projects with a
 * `textures/checker.png` of their own never see each other's. Every path
 * comes from a validated manifest and is checked again before it is joined.
 */
export class ProjectTrees {
  private readonly building = new Map<string, Promise<void>>()
  /** Content each tree on disk is made of (its files are hard links to it). */
  private readonly contents = new Map<string, Set<string>>()

  constructor (private readonly dir: string, private readonly cache: ContentCache) {}

  async prepare (task: Task, open: OpenStream, signal?: AbortSignal): Promise<PreparedScene> {
    const key = task.project?.sha256 ?? task.blendSha256
    const manifest = await this.manifestFor(task, open, signal)
    const needed = new Set([...manifest.files.map(f => f.sha256), ...(task.project !== undefined ? [task.project.sha256] : [])])
    this.contents.set(key, needed)
    const fetched = await this.fetchMissing(manifest, open, signal)
    const treeDir = path.join(this.dir, key)
    let pending = this.building.get(key)
    if (pending === undefined) {
      pending = this.build(treeDir, manifest).finally(() => this.building.delete(key))
      this.building.set(key, pending)
    }
    await pending
    const remap = manifest.remap.map(({ from, to }) => ({ from, to: inside(treeDir, to) }))
    // A reference the submitter knew was partly missing (a UDIM tile, a frame of
    // a sequence) may be rewritten too: after that the scene names it by its new path.
    const allowed = new Set(manifest.missing.map(m => m.stored))
    for (const entry of remap) if (allowed.has(entry.from)) allowed.add(entry.to)
    const overCacheLimit = uniqueContents(manifest.files).reduce((sum, f) => sum + f.size, 0) > this.cache.limit
    return { key, blendPath: inside(treeDir, manifest.main), remap, allowedMissing: [...allowed], fetched, overCacheLimit }
  }

  /**
   * Fetches what the cache lacks of a project, a few files at once; the first
   * failure stops the others. Room is made first, for what is missing only, so
   * what is fetched now does not push out what this job needs.
   */
  private async fetchMissing (manifest: ProjectManifest, open: OpenStream, signal?: AbortSignal): Promise<{ files: number, bytes: number }> {
    const lacking = []
    for (const file of uniqueContents(manifest.files)) if (!await this.cache.has(file)) lacking.push(file)
    const bytes = lacking.reduce((sum, f) => sum + f.size, 0)
    if (bytes === 0) return { files: 0, bytes: 0 }
    await this.cache.evict(this.inUse(), bytes)
    await mkdir(this.dir, { recursive: true })
    await ensureRoom(this.dir, bytes, `the ${lacking.length} file(s) of this job it lacks`, 'this node')
    const stop = new AbortController()
    const both = signal !== undefined ? AbortSignal.any([signal, stop.signal]) : stop.signal
    await mapConcurrent(lacking, FETCH_CONCURRENCY, async (file) => {
      await this.cache.ensure(file, open, both)
    }, stop)
    return { files: lacking.length, bytes }
  }

  private async manifestFor (task: Task, open: OpenStream, signal?: AbortSignal): Promise<ProjectManifest> {
    if (task.project === undefined) {
      // A job from before jobs carried their files: the .blend alone.
      return { version: 1, main: 'scene.blend', files: [{ path: 'scene.blend', sha256: task.blendSha256, size: task.blendSize }], remap: [], missing: [] }
    }
    const { path: manifestPath } = await this.cache.ensure(task.project, open, signal)
    return parseProjectManifest(await readFile(manifestPath), task.project.sha256)
  }

  /** Builds the tree under a temporary name; it takes its real one only once complete. */
  private async build (treeDir: string, manifest: ProjectManifest): Promise<void> {
    // Already there (a tree only takes its name once complete): an earlier task of this project built it.
    if (await ifExists(readdir(treeDir)) !== undefined) return
    await mkdir(this.dir, { recursive: true })
    const partDir = path.join(this.dir, `.${path.basename(treeDir)}.${randomBytes(4).toString('hex')}.part`)
    try {
      for (const file of manifest.files) {
        const dest = inside(partDir, file.path)
        await mkdir(path.dirname(dest), { recursive: true })
        await linkOrCopy(this.cache.pathFor(file.sha256), dest)
      }
      await rename(partDir, treeDir)
    } catch (err) {
      await rm(partDir, { recursive: true, force: true })
      throw err
    }
  }

  private inUse (): Set<string> {
    return new Set([...this.contents.values()].flatMap(set => [...set]))
  }

  /** Removes the trees not named in `keep` (jobs this node no longer works on), then trims the cache. */
  async retainOnly (keep: ReadonlySet<string>): Promise<void> {
    for (const key of [...this.contents.keys()]) {
      if (keep.has(key) || this.building.has(key)) continue
      this.contents.delete(key)
      await rm(path.join(this.dir, key), { recursive: true, force: true })
    }
    await this.cache.evict(this.inUse())
  }

  /** A node that starts has no job in progress: trees of an earlier run go (their content stays cached). */
  async reset (): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
    await this.cache.removeTemporaries()
  }
}

export class UnsafeTreePathError extends ProtocolError {
  override name = 'UnsafeTreePathError'
}

/** `relative` joined under `root`, refused unless it stays inside. */
export function inside (root: string, relative: string): string {
  const problem = treePathProblem(relative)
  if (problem !== undefined) throw new UnsafeTreePathError(`refused a project path with ${problem}: ${JSON.stringify(relative.slice(0, 200))}`)
  const joined = path.resolve(root, ...relative.split('/'))
  if (!joined.startsWith(path.resolve(root) + path.sep)) throw new UnsafeTreePathError(`refused a project path outside the job's folder: ${JSON.stringify(relative.slice(0, 200))}`)
  return joined
}

function uniqueContents<T extends { sha256: string }> (files: readonly T[]): T[] {
  return [...new Map(files.map(f => [f.sha256, f])).values()]
}

async function linkOrCopy (source: string, dest: string): Promise<void> {
  try {
    await link(source, dest)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // Another file system, or one without hard links (FAT, some network shares): a copy does.
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err
    await copyFile(source, dest)
  }
}
