import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import writeFileAtomic from 'write-file-atomic'

export class IdentityError extends Error {
  override name = 'IdentityError'
}

/**
 * The key behind a peer id. Kept on disk so the coordinator's peer id (which
 * nodes check during the noise handshake) survives restarts.
 */
export async function loadOrCreateIdentity (path: string): Promise<PrivateKey> {
  let bytes: Buffer | undefined
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (bytes !== undefined) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new IdentityError(`the identity key ${path} is damaged; move it away to create a new one (nodes will see a new peer id)`, { cause: err })
    }
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dirname(path), { recursive: true })
  await writeFileAtomic(path, Buffer.from(privateKeyToProtobuf(key)), { mode: 0o600 })
  return key
}

export async function ephemeralIdentity (): Promise<PrivateKey> {
  return generateKeyPair('Ed25519')
}
