// The receiving side of the bare libp2p stream in the distribution bench, as a
// process of its own (lib/distribution-loopback.ts says why). Each line on
// stdin, `TARGET BYTES`, downloads BYTES from the bare address into TARGET and
// answers a line of JSON: the seconds it took.
// Usage: node --import tsx --import ./src/polyfill.ts bench/lib/bare-receiver.ts BARE_ADDRESS
import { createInterface } from 'node:readline'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bareDownload } from '../transfer.js'
import { BARE_YAMUX } from './bare-config.js'

const address = process.argv[2]
if (address === undefined) throw new Error('usage: bare-receiver.ts BARE_ADDRESS')
const bare = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux(BARE_YAMUX)] })
for await (const line of createInterface({ input: process.stdin })) {
  const [target, bytes] = line.split(' ')
  if (target === undefined || bytes === undefined) throw new Error(`bare-receiver: expected "TARGET BYTES", got "${line}"`)
  const started = performance.now()
  await bareDownload(bare, address, target, Number(bytes))
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000 }) + '\n')
}
await bare.stop()
