// The bare libp2p stream of the transfer benchmark uses no MicroFarm code, only
// the same yamux limits MicroFarm sets (src/net/host.ts): with libp2p's
// defaults a receiver that pauses for its disk gets its stream reset, since the
// 16 MiB window outgrows the 4 MiB read buffer.
export const BARE_YAMUX = {
  streamOptions: { maxStreamWindowSize: 4 * 1024 * 1024, maxReadBufferLength: 8 * 1024 * 1024 },
}
