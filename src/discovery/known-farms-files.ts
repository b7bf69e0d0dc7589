// The files behind known-farms.ts, in the user's MicroFarm folder
// (~/.microfarm): coordinators/<peer id>.json, one per coordinator running on
// this machine under this user, and last-farm.json, the coordinator this
// user's CLI reached last. Written atomically (temporary file, rename), mode
// 0600 in a 0700 folder; read only when this user owns them and nobody else
// may write them, and validated: a record only ever says where to dial, and
// the noise handshake proves the peer id there.
import { randomBytes } from 'node:crypto'
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises'
import { homedir, hostname } from 'node:os'
import { join } from 'node:path'
import type { z } from 'zod'
import { processIsAlive } from '../store/folder-lock.js'
import { ifExists } from '../util/if-exists.js'
import { addressesMatchPeer, localCoordinatorRecord, loopbackFirst, nextRemembered, rememberedFarmRecord } from './known-farms.js'
import type { LocalCoordinatorRecord, RememberedFarm } from './known-farms.js'

/** The user's MicroFarm folder (identity key, known farms). */
export function microfarmHome (): string {
  return join(homedir(), '.microfarm')
}

const MAX_RECORD_BYTES = 16 * 1024

type Read<T> = { record: T } | { problem: string } | undefined

/** A record file, or why it is not trusted; undefined when there is none. */
async function readRecord<T extends { peerId: string, addresses: string[] }> (path: string, schema: z.ZodType<T>): Promise<Read<T>> {
  const info = await ifExists(lstat(path))
  if (info === undefined) return undefined
  if (!info.isFile()) return { problem: `${path} is not a plain file` }
  if (process.getuid !== undefined && info.uid !== process.getuid()) return { problem: `${path} belongs to another user` }
  if (process.platform !== 'win32' && (info.mode & 0o022) !== 0) return { problem: `${path} can be written by other users (chmod 600 ${path})` }
  if (info.size > MAX_RECORD_BYTES) return { problem: `${path} is too large to be a record of MicroFarm's` }
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    // A file cut short or edited by hand: not ours to use.
    return { problem: `${path} is not JSON (${(err as Error).message})` }
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) return { problem: `${path} is not a record MicroFarm reads (${parsed.error.issues[0]?.message ?? 'invalid'})` }
  if (!addressesMatchPeer(parsed.data)) return { problem: `${path} lists addresses of another peer` }
  return { record: parsed.data }
}

async function writeRecord (dir: string, path: string, record: object): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(temp, JSON.stringify(record) + '\n', { mode: 0o600 })
    await rename(temp, path)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

function coordinatorsDir (home: string): string {
  return join(home, 'coordinators')
}

/**
 * Leaves a coordinator's address for this user's clients on this machine.
 * Returns the removal, which removes only this coordinator's own file (a
 * coordinator started again with the same identity has written its own).
 */
export async function writeLocalCoordinator (record: Omit<LocalCoordinatorRecord, 'v' | 'pid' | 'host' | 'netns'>, home = microfarmHome()): Promise<() => Promise<void>> {
  const dir = coordinatorsDir(home)
  const path = join(dir, `${record.peerId}.json`)
  const netns = await networkNamespace()
  const full: LocalCoordinatorRecord = { v: 1, ...record, addresses: loopbackFirst(record.addresses).slice(0, 16), pid: process.pid, host: hostname(), ...(netns !== undefined ? { netns } : {}) }
  const parsed = localCoordinatorRecord.parse(full)
  await writeRecord(dir, path, parsed)
  return async () => {
    const now = await readRecord(path, localCoordinatorRecord)
    if (now !== undefined && 'record' in now && now.record.pid === process.pid) await rm(path, { force: true })
  }
}

export interface LocalCoordinators {
  records: LocalCoordinatorRecord[]
  /** Files not trusted, said to the user; stale files (their coordinator is gone) are removed without a word. */
  problems: string[]
}

/** The coordinators that say they run on this machine under this user. */
export async function readLocalCoordinators (home = microfarmHome(), isAlive: (pid: number) => boolean = processIsAlive): Promise<LocalCoordinators> {
  const dir = coordinatorsDir(home)
  const names = (await ifExists(readdir(dir)))?.filter(n => n.endsWith('.json'))
  if (names === undefined) return { records: [], problems: [] }
  const out: LocalCoordinators = { records: [], problems: [] }
  const host = hostname()
  const netns = await networkNamespace()
  for (const name of names.sort()) {
    const path = join(dir, name)
    const read = await readRecord(path, localCoordinatorRecord)
    if (read === undefined) continue
    if ('problem' in read) {
      out.problems.push(`ignoring ${read.problem}`)
    } else if (name !== `${read.record.peerId}.json`) {
      out.problems.push(`ignoring ${path}: it names another coordinator`)
    } else if (read.record.host === host && !isAlive(read.record.pid)) {
      // Left by a coordinator that was killed: nobody answers there.
      await rm(path, { force: true })
    } else if (read.record.netns === undefined || read.record.netns === netns) {
      // (One in another network namespace is, for the network, on another machine.)
      out.records.push(read.record)
    }
  }
  return out
}

/** Linux's network namespace of this process (`net:[4026531840]`); undefined elsewhere. */
async function networkNamespace (): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined
  // No /proc (a container without it): records are then told apart by dialing alone.
  return ifExists(readlink('/proc/self/ns/net'))
}

function rememberedPath (home: string): string {
  return join(home, 'last-farm.json')
}

/** The farm this user's CLI reached last, or why the file is not used. */
export async function readRemembered (home = microfarmHome()): Promise<{ remembered?: RememberedFarm, problem?: string }> {
  const read = await readRecord(rememberedPath(home), rememberedFarmRecord)
  if (read === undefined) return {}
  return 'problem' in read ? { problem: `ignoring ${read.problem}` } : { remembered: read.record }
}

export async function writeRemembered (record: RememberedFarm, home = microfarmHome()): Promise<void> {
  await writeRecord(home, rememberedPath(home), rememberedFarmRecord.parse(record))
}

/** Remembers the coordinator a client reached; written only when that changes what is remembered. */
export async function rememberReached (reached: Parameters<typeof nextRemembered>[1], home = microfarmHome()): Promise<void> {
  const { remembered } = await readRemembered(home)
  const next = nextRemembered(remembered, reached)
  if (next !== undefined) await writeRemembered(next, home)
}
