import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { preSharedKey } from '@libp2p/pnet'
import type { AbortOptions, MessageStream, PrivateKey } from '@libp2p/interface'
import type { FarmKey } from './farm-key.js'

export type Host = Libp2p

/** Enough window for a LAN at full speed; small enough to buffer for every upload at once. */
export const STREAM_WINDOW_BYTES = 4 * 1024 * 1024

export interface HostInit {
  privateKey: PrivateKey
  /** TCP port to listen on (all interfaces); undefined = dial only. 0 = any free port. */
  listenPort?: number
  /** The one IPv4 address to listen on, instead of all (a node listens where its coordinator reaches it). */
  listenHost?: string
  /** A private farm's key: only peers holding it can connect at all (libp2p pnet, before noise). */
  farmKey?: FarmKey
  /** A peer could not connect: on a private farm, almost always one without the key (or with another). */
  onRefused?: (error: Error) => void
}

/** A libp2p host with the one transport stack MicroFarm speaks: TCP, noise, yamux. */
export async function createHost (init: HostInit): Promise<Host> {
  /** Remote addresses of inbound connections that became libp2p connections (see reportingRefusals). */
  const opened = new Set<string>()
  const host = await createLibp2p({
    privateKey: init.privateKey,
    addresses: {
      listen: init.listenPort === undefined ? [] : [`/ip4/${init.listenHost ?? '0.0.0.0'}/tcp/${init.listenPort}`],
    },
    transports: [tcp()],
    ...(init.farmKey !== undefined ? { connectionProtector: protector(init.farmKey, init.onRefused, opened) } : {}),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({
      streamOptions: {
        // A receiver pauses a stream while its disk catches up; what was already
        // granted (the window) still arrives and must fit the read buffer, or
        // the stream is reset. Defaults: 16 MiB window, 4 MiB buffer.
        maxStreamWindowSize: STREAM_WINDOW_BYTES,
        maxReadBufferLength: 2 * STREAM_WINDOW_BYTES,
      },
    })],
    connectionManager: {
      // The default (5 new connections per second per host) turns away nodes
      // of a farm that start together, and uploads of a busy farm.
      inboundConnectionThreshold: 1000,
      maxIncomingPendingConnections: 256,
      maxConnections: 1000,
    },
    connectionMonitor: {
      // A node under full render load can be slow to answer a ping; our own
      // heartbeats decide liveness, so keep libp2p's monitor lenient.
      pingInterval: 15_000,
      abortConnectionOnPingFailure: false,
    },
  })
  if (init.onRefused !== undefined) {
    host.addEventListener('connection:open', (event) => {
      // The connection's address carries the proven /p2p/ id; the raw socket's does not.
      if (event.detail.direction === 'inbound') opened.add(event.detail.remoteAddr.toString().replace(/\/p2p\/.*$/, ''))
    })
  }
  return host
}

type ProtectorFactory = ReturnType<typeof preSharedKey>

function protector (farmKey: FarmKey, onRefused: ((error: Error) => void) | undefined, opened: Set<string>): ProtectorFactory {
  const factory = preSharedKey({ psk: farmKey })
  return onRefused !== undefined ? reportingRefusals(factory, onRefused, opened) : factory
}

/**
 * The private-network protector, telling `onRefused` about inbound
 * connections that never became a libp2p connection: with the farm key in
 * front, a peer without it (or with another farm's) gets no further, as what
 * it sends does not decrypt. `opened` holds the remote addresses of
 * connections that did open (see createHost). Nothing of the key is said.
 */
function reportingRefusals (factory: ProtectorFactory, onRefused: (error: Error) => void, opened: Set<string>): ProtectorFactory {
  return () => {
    const inner = factory()
    return {
      async protect (connection: MessageStream, options?: AbortOptions): Promise<MessageStream> {
        const remote = (connection as MessageStream & { remoteAddr?: { toString: () => string } }).remoteAddr?.toString()
        connection.addEventListener('close', () => {
          if (remote === undefined || opened.delete(remote)) return
          onRefused(new Error(`a connection from ${remote} ended without speaking with the farm key`))
        }, { once: true })
        return inner.protect(connection, options)
      },
    }
  }
}
