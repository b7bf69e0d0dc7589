import { createSocket } from 'node:dgram'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Host } from '../net/host.js'
import { PIECES_PROTOCOL } from '../protocol/constants.js'
import { ProtocolError } from '../protocol/errors.js'
import type { SwarmPeer } from '../protocol/pieces.js'
import { errorMessage } from '../util/error-message.js'

// How a node reaches the peers it fetches pieces from, and where it listens for theirs.

/** A vouched peer, at the addresses the coordinator gave (each names it: noise proves it is that peer). */
export async function dialPeer (host: Host, peer: SwarmPeer, signal: AbortSignal): Promise<Stream> {
  const failures: string[] = []
  for (const address of peer.addresses) {
    if (!address.endsWith(`/p2p/${peer.peerId}`)) continue
    try {
      return await host.dialProtocol(multiaddr(address), PIECES_PROTOCOL, { signal })
    } catch (err) {
      signal.throwIfAborted()
      failures.push(`${address}: ${errorMessage(err)}`)
    }
  }
  throw new ProtocolError(`could not reach peer ${peer.peerId} (${failures.join('; ') || 'no address'})`)
}

/** The local IPv4 address this machine reaches `address`'s host from (a UDP connect sends nothing). */
export async function localAddressToward (address: string): Promise<string> {
  const ip = /^\/ip4\/([0-9.]+)\//.exec(address)?.[1]
  if (ip === undefined) return '0.0.0.0'
  const socket = createSocket('udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.connect(9, ip, () => resolve())
    })
    return socket.address().address
  } finally {
    socket.close()
  }
}
