import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'

export class FolderInUseError extends Error {
  override name = 'FolderInUseError'
}

export interface LockOptions {
  /** Who holds such a folder, and the flag that gives another one (for the message). */
  holder?: 'coordinator' | 'node'
  pid?: number
  host?: string
  isAlive?: (pid: number) => boolean
}

/**
 * Takes a folder for this process: a second coordinator on the same output
 * folder would rewrite the first one's manifests; a second node on the same
 * work folder would share its identity and its cache. The lock file holds pid
 * and host; a lock whose process is gone (same host, no such pid) is stale and
 * taken over. Returns the release.
 */
export async function lockFolder (lockPath: string, folder: string, o: LockOptions = {}): Promise<() => Promise<void>> {
  const holder = o.holder ?? 'coordinator'
  const flag = holder === 'coordinator' ? '--output-dir' : '--work-dir'
  const pid = o.pid ?? process.pid
  const host = o.host ?? hostname()
  const isAlive = o.isAlive ?? processIsAlive
  await mkdir(dirname(lockPath), { recursive: true })
  const mine = `${pid}\n${host}\n${new Date().toISOString()}\n`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx')
      try {
        await handle.writeFile(mine)
        await handle.sync()
      } finally {
        await handle.close()
      }
      return async () => {
        // Only our own lock: a coordinator that took over a stale one keeps its.
        if (await readFile(lockPath, 'utf8').catch(() => '') === mine) await rm(lockPath, { force: true })
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const [otherPid, otherHost, since] = (await readFile(lockPath, 'utf8').catch(() => '')).split('\n')
    const stale = otherHost === host && !isAlive(Number(otherPid))
    if (!stale) {
      const elsewhere = otherHost !== host ? `; if that ${holder} is gone for good, remove ${lockPath}` : ''
      throw new FolderInUseError(`${folder} is in use by another ${holder} (pid ${otherPid ?? '?'} on ${otherHost ?? '?'}, since ${since ?? '?'}): stop it first, or give this one another ${flag}${elsewhere}`)
    }
    await rm(lockPath, { force: true })
  }
  throw new FolderInUseError(`${folder}: could not take its lock ${lockPath}; another ${holder} is starting on it`)
}

export function processIsAlive (pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
