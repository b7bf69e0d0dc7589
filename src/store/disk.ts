import { stat, statfs } from 'node:fs/promises'
import { formatBytes } from '../util/format-bytes.js'
import { ifExists } from '../util/if-exists.js'

// Room on a disk, and the errors a full one gives. A full disk is not a peer's
// fault: the coordinator says so plainly, and nothing received is thrown away.

/** Kept free beyond what a file needs, so manifests can still be written. */
export const DISK_RESERVE_BYTES = 16 * 1024 * 1024

export class DiskFullError extends Error {
  override name = 'DiskFullError'
}

export function isDiskFull (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return err instanceof DiskFullError || code === 'ENOSPC' || code === 'EDQUOT'
}

/** Bytes an unprivileged process may still write on the disk holding `dir`. */
export async function freeBytes (dir: string): Promise<number> {
  const fs = await statfs(dir)
  return fs.bavail * fs.bsize
}

/** Throws DiskFullError unless `bytes` (plus the reserve) fit on the disk holding `dir`. */
export async function ensureRoom (dir: string, bytes: number, what: string, machine = 'the coordinator'): Promise<void> {
  const free = await freeBytes(dir)
  if (free < bytes + DISK_RESERVE_BYTES) {
    throw new DiskFullError(`no room on ${machine}'s disk for ${what}: ${formatBytes(bytes)} needed (and ${formatBytes(DISK_RESERVE_BYTES)} kept free), ${formatBytes(free)} free under ${dir} (free some space there)`)
  }
}

/**
 * Room promised to uploads under way on one disk. Each upload is checked
 * against what is free minus what was promised to the others, so three
 * announcements of 60 GiB are not all accepted with 78 GB free. Conservative:
 * the part of an upload already written counts twice until it ends.
 */
export class DiskReservations {
  private reserved = 0

  /** Promises `bytes` under `dir` (throws DiskFullError when they do not fit); returns the release. */
  async reserve (dir: string, bytes: number, what: string): Promise<() => void> {
    const free = await freeBytes(dir)
    if (free - this.reserved < bytes + DISK_RESERVE_BYTES) {
      const promised = this.reserved > 0 ? `, ${formatBytes(this.reserved)} of it promised to uploads under way` : ''
      throw new DiskFullError(`no room on the coordinator's disk for ${what}: ${formatBytes(bytes)} needed (and ${formatBytes(DISK_RESERVE_BYTES)} kept free), ${formatBytes(free)} free under ${dir}${promised} (free some space there, or wait for the uploads)`)
    }
    this.reserved += bytes
    let released = false
    return () => {
      if (released) return
      released = true
      this.reserved -= bytes
    }
  }

  get promised (): number { return this.reserved }
}

/** A full disk met while writing `what` under `dir`, said the same way as ensureRoom says it. */
export function diskFullWhileWriting (err: unknown, dir: string, what: string): DiskFullError {
  return new DiskFullError(`the coordinator's disk filled up while writing ${what} under ${dir} (free some space there)`, { cause: err })
}

export async function fileHasSize (path: string, size: number): Promise<boolean> {
  const info = await ifExists(stat(path))
  return info !== undefined && info.size === size
}
