import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { PrivateKey } from '@libp2p/interface'

export type Host = Libp2p

/** Enough window for a LAN at full speed; small enough to buffer for every upload at once. */
const STREAM_WINDOW_BYTES = 4 * 1024 * 1024

export interface HostInit {
  privateKey: PrivateKey
  /** TCP port to listen on (all interfaces); undefined = dial only. 0 = any free port. */
  listenPort?: number
}

/** A libp2p host with the one transport stack MicroFarm speaks: TCP, noise, yamux. */
export async function createHost (init: HostInit): Promise<Host> {
  return createLibp2p({
    privateKey: init.privateKey,
    addresses: {
      listen: init.listenPort === undefined ? [] : [`/ip4/0.0.0.0/tcp/${init.listenPort}`],
    },
    transports: [tcp()],
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
}
