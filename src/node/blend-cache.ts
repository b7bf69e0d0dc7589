import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { BLEND_PROTOCOL } from '../protocol/constants.js'
import { ProtocolError, RemoteError } from '../protocol/errors.js'
import { MessageChannel } from '../protocol/framing.js'
import { blendResponse } from '../protocol/messages.js'
import { receiveFile } from '../net/payload.js'
import { fileHasSize } from '../store/disk.js'

export type OpenStream = (protocol: string, signal?: AbortSignal) => Promise<Stream>

/**
 * .blend files by content hash. A node that already holds the content (from
 * an earlier chunk or job) does not fetch it again; what it receives is
 * checked against the hash before it is used.
 */
export class BlendCache {
  private readonly fetching = new Map<string, Promise<string>>()
  /** Content already checked in this run: no disk look-up per task. */
  private readonly present = new Set<string>()

  constructor (private readonly dir: string) {}

  pathFor (sha256: string): string {
    return join(this.dir, `${sha256}.blend`)
  }

  async ensure (sha256: string, size: number, open: OpenStream, signal?: AbortSignal): Promise<{ path: string, fetched: boolean }> {
    const path = this.pathFor(sha256)
    if (this.present.has(sha256)) return { path, fetched: false }
    if (await fileHasSize(path, size)) {
      this.present.add(sha256)
      return { path, fetched: false }
    }
    let pending = this.fetching.get(sha256)
    if (pending === undefined) {
      pending = this.fetch(sha256, open, signal).finally(() => this.fetching.delete(sha256))
      this.fetching.set(sha256, pending)
    }
    return { path: await pending, fetched: true }
  }

  private async fetch (sha256: string, open: OpenStream, signal?: AbortSignal): Promise<string> {
    await mkdir(this.dir, { recursive: true })
    const stream = await open(BLEND_PROTOCOL, signal)
    const channel = new MessageChannel(stream)
    await channel.write({ type: 'get-blend', sha256 })
    const reply = await channel.read(blendResponse, signal !== undefined ? { signal } : {})
    if (reply.type === 'error') throw new RemoteError(`coordinator could not send the .blend: ${reply.message}`)
    if (reply.sha256 !== sha256) throw new ProtocolError('coordinator sent another .blend than asked for')
    const tempPath = join(this.dir, `.${sha256}.${randomBytes(4).toString('hex')}.part`)
    await receiveFile(channel.unwrap(), { size: reply.size, sha256, tempPath, ...(signal !== undefined ? { signal } : {}) })
    const path = this.pathFor(sha256)
    await rename(tempPath, path)
    this.present.add(sha256)
    await stream.close()
    return path
  }
}
