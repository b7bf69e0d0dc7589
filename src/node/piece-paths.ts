import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

// A node's content folder, as the content cache and the swarm both read it:
// a content under its SHA-256, and a fetch in pieces in progress (kept
// across a restart) as a sparse file and the bitfield of its verified
// pieces. (Piece lists are the coordinator's, asked for each time: one
// kept here could be of another version's piece size.) Names are made here from a hash the
// node checked, and a name read back is only ever matched, never joined
// as it came.

export interface ContentFiles {
  whole: string
  /** Sparse until every piece is in; renamed to `whole` once verified. */
  partial: string
  have: string
}

export function contentFiles (dir: string, sha256: string): ContentFiles {
  return { whole: join(dir, sha256), partial: join(dir, `.${sha256}.swarm`), have: join(dir, `.${sha256}.swarm-have`) }
}

const NAME = /^(?:([0-9a-f]{64})|\.([0-9a-f]{64})\.swarm(-have)?)$/
/** A whole-file transfer in progress (content-cache.ts names them). */
const PART = /^\..+\.part$/

/** What the folder holds of one content. */
export interface ContentOnDisk {
  sha256: string
  /** Size and last use (mtime) of the whole content, or of the partial one: what eviction goes by. */
  whole?: { size: number, used: number }
  /** `bytes`: what its pieces take on disk so far (the file is sparse). */
  partial?: { size: number, bytes: number, used: number }
  have: boolean
}

export interface Inventory {
  contents: ContentOnDisk[]
  /** Whole-file transfers cut off (names in the folder). */
  parts: string[]
}

/** Everything the folder holds, by content; an absent folder holds nothing. */
export async function inventory (dir: string): Promise<Inventory> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { contents: [], parts: [] }
    throw err
  }
  const bySha = new Map<string, ContentOnDisk>()
  const entry = (sha256: string): ContentOnDisk => {
    let found = bySha.get(sha256)
    if (found === undefined) bySha.set(sha256, found = { sha256, have: false })
    return found
  }
  for (const name of names) {
    const match = NAME.exec(name)
    if (match === null) continue
    const [, wholeSha, partialSha, have] = match
    if (partialSha !== undefined && have !== undefined) entry(partialSha).have = true
    // Stat'd here, not where the name was read: a file removed meanwhile is simply not listed.
    else if (wholeSha !== undefined) await describe(join(dir, name), (info) => { entry(wholeSha).whole = { size: info.size, used: info.mtimeMs } })
    else if (partialSha !== undefined) await describe(join(dir, name), (info) => { entry(partialSha).partial = { size: info.size, bytes: Math.min(info.size, info.blocks * 512), used: info.mtimeMs } })
  }
  return { contents: [...bySha.values()], parts: names.filter(n => PART.test(n)) }
}

async function describe (path: string, use: (info: { size: number, blocks: number, mtimeMs: number }) => void): Promise<void> {
  try {
    use(await stat(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

/** Content a node holds from an earlier run, whole or in verified pieces, to serve to its peers again. */
export interface FoundContent {
  sha256: string
  size: number
  /** False: a fetch in pieces to resume; its bitfield says which it verified (checked again before they are served). */
  whole: boolean
  files: ContentFiles
}
