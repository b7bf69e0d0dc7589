import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { randomBytes } from 'node:crypto'
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { ifExists } from '../util/if-exists.js'

/** A user's identity as a client of farms, made on first use (mode 0600): the owner of the jobs it submits. */
export const USER_IDENTITY_PATH = join(homedir(), '.microfarm', 'identity.key')

export class IdentityError extends Error {
  override name = 'IdentityError'
}

/**
 * The key behind a peer id, kept on disk so the peer id survives restarts:
 * the coordinator's (nodes check it during the noise handshake), a node's (the
 * coordinator knows it by it), a user's (the owner of the jobs it submits).
 * Created readable by its owner only, and exclusively: two processes starting
 * at once end up with the one key, never one each. A key others can read is
 * refused (on POSIX).
 */
export async function loadOrCreateIdentity (path: string): Promise<PrivateKey> {
  const existing = await readIdentity(path)
  if (existing !== undefined) return existing
  const key = await generateKeyPair('Ed25519')
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const temp = `${path}.${randomBytes(4).toString('hex')}.new`
  try {
    await writeFile(temp, privateKeyToProtobuf(key), { mode: 0o600, flush: true })
    await link(temp, path)
    return key
  } catch (err) {
    // Another process made it first: its key is the one.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    const theirs = await readIdentity(path)
    if (theirs === undefined) throw new IdentityError(`${path} appeared and vanished while this process made its identity; start it again`, { cause: err })
    return theirs
  } finally {
    await rm(temp, { force: true })
  }
}

async function readIdentity (path: string): Promise<PrivateKey | undefined> {
  // None yet (the caller makes one), or gone between the check and the read.
  if (process.platform !== 'win32') {
    const info = await ifExists(stat(path))
    if (info === undefined) return undefined
    if ((info.mode & 0o077) !== 0) throw new IdentityError(`the identity key ${path} can be read by other users: run chmod 600 ${path}`)
  }
  const bytes = await ifExists(readFile(path))
  if (bytes === undefined) return undefined
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new IdentityError(`the identity key ${path} is damaged; move it away to create a new one (its peer id changes)`, { cause: err })
  }
}

export async function ephemeralIdentity (): Promise<PrivateKey> {
  return generateKeyPair('Ed25519')
}
