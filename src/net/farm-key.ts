import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ifExists } from '../util/if-exists.js'

// A private farm's pre-shared key: libp2p's private-network key format, the
// 95-byte text "/key/swarm/psk/1.0.0/\n/base16/\n<64 hex digits>". Whoever
// holds the file may join the farm, so it is created readable by its owner
// only, and a key file others can read is refused. The key never appears in
// a log line, an error message, --json output, mDNS or a manifest: errors
// name the file, never its content.

const HEADER = '/key/swarm/psk/1.0.0/\n/base16/\n'
const KEY_TEXT = /^\/key\/swarm\/psk\/1\.0\.0\/\r?\n\/base16\/\r?\n([0-9a-fA-F]{64})\s*$/

export class FarmKeyError extends Error {
  override name = 'FarmKeyError'
}

/** The key file's bytes, as libp2p's private-network protector takes them. */
export type FarmKey = Uint8Array

/** A new random key, as the text of a key file. */
export function newFarmKeyText (): string {
  return `${HEADER}${randomBytes(32).toString('hex')}`
}

/** Writes a new key to `path`, readable by its owner only; never over an existing file. */
export async function writeNewFarmKey (path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  let handle
  try {
    handle = await open(path, 'wx', 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FarmKeyError(`${path} exists already: a farm key is never overwritten (machines holding it would be locked out); give another file name, or remove it first`)
    throw err
  }
  try {
    await handle.writeFile(newFarmKeyText())
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Reads a farm key file. Refused with a FarmKeyError saying what to do when
 * it is missing, readable by group or others (POSIX), or not a key file.
 */
export async function readFarmKey (path: string): Promise<FarmKey> {
  const mode = (await ifExists(stat(path)))?.mode
  if (mode === undefined) throw new FarmKeyError(`no farm key at ${path}: copy the farm's key file there (whoever runs the coordinator has it), or make a farm key with microfarm key new`)
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new FarmKeyError(`the farm key ${path} can be read by other users (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${path}`)
  }
  const text = await readFile(path, 'utf8')
  const match = KEY_TEXT.exec(text)
  if (match === null) throw new FarmKeyError(`${path} is not a farm key (one made by microfarm key new: three lines, the last 64 hex digits)`)
  // libp2p's protector reads exactly this form; a key file written on Windows (CRLF) is normalised.
  return new TextEncoder().encode(`${HEADER}${(match[1] as string).toLowerCase()}`)
}
