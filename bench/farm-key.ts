// A private farm's cost: the same 200 MB .blend submitted to, and fetched
// from, a coordinator with a farm key (libp2p pnet before noise) and one
// without, in one process, alternating, 3 runs each; medians.
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CoordinatorClient } from '../src/client/coordinator-client.js'
import { Coordinator } from '../src/coordinator/coordinator.js'
import { dialFirst } from '../src/net/dial.js'
import { readFarmKey, writeNewFarmKey } from '../src/net/farm-key.js'
import type { FarmKey } from '../src/net/farm-key.js'
import { createHost } from '../src/net/host.js'
import { ephemeralIdentity } from '../src/net/identity.js'
import { sha256File } from '../src/net/payload.js'
import { ContentCache } from '../src/node/content-cache.js'
import { median } from './lib/processes.js'
import { submitBlend } from './lib/submit-blend.js'

const MB = 1024 * 1024
const BYTES = 200 * MB
const RUNS = 3

export async function farmKey (): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-key-'))
  const stops: Array<() => Promise<void>> = []
  try {
    const keyFile = path.join(dir, 'farm.key')
    await writeNewFarmKey(keyFile)
    const key = await readFarmKey(keyFile)
    const farms = { open: await farm(dir, 'open', undefined, stops), keyed: await farm(dir, 'keyed', key, stops) }
    const blend = path.join(dir, 'scene.blend')
    await writeFile(blend, Buffer.concat([Buffer.from('BLENDER-v304'), randomBytes(BYTES)]))
    const seconds: Record<string, number[]> = {}
    for (let run = 0; run < RUNS; run++) {
      // New content each run, so no coordinator can skip the upload.
      const handle = await open(blend, 'r+')
      await handle.write(randomBytes(16), 0, 16, 12)
      await handle.close()
      const sha = await sha256File(blend)
      for (const [name, f] of Object.entries(farms)) {
        let started = performance.now()
        await submitBlend(f.client, blend, { name: 'scene.blend', frames: '1', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } })
        ;(seconds[`${name}-up`] ??= []).push((performance.now() - started) / 1000)
        const cache = new ContentCache(path.join(dir, `cache-${name}-${run}`), Number.MAX_SAFE_INTEGER)
        started = performance.now()
        await cache.ensure({ sha256: sha, size: BYTES + 12 }, f.open)
        ;(seconds[`${name}-down`] ??= []).push((performance.now() - started) / 1000)
      }
    }
    const rate = (name: string): number => (BYTES / MB) / median(seconds[name] ?? [Infinity])
    const ratio = (way: string): string => `${(rate(`keyed-${way}`) / rate(`open-${way}`)).toFixed(3)} (${rate(`keyed-${way}`).toFixed(0)} vs ${rate(`open-${way}`).toFixed(0)} MB/s)`
    return [`farm key: a 200 MB .blend on a private farm vs an open one, same process: submitted ${ratio('up')}, fetched by a node ${ratio('down')} (median of ${RUNS})`]
  } finally {
    for (const stop of stops.reverse()) await stop()
    await rm(dir, { recursive: true, force: true })
  }
}

async function farm (dir: string, name: string, key: FarmKey | undefined, stops: Array<() => Promise<void>>): Promise<{ client: CoordinatorClient, open: (protocol: string) => Promise<Awaited<ReturnType<Awaited<ReturnType<typeof createHost>>['dialProtocol']>>> }> {
  const coordinator = new Coordinator({ farmName: name, outputDir: path.join(dir, name), port: 0, advertise: false, ...(key !== undefined ? { farmKey: key } : {}) })
  await coordinator.start()
  stops.push(async () => { await coordinator.stop() })
  const address = coordinator.multiaddrs().find(a => a.startsWith('/ip4/127.0.0.1/')) ?? ''
  const client = await CoordinatorClient.connect({ coordinator: address, ...(key !== undefined ? { key: path.join(dir, 'farm.key') } : {}) })
  stops.push(async () => { await client.close() })
  const host = await createHost({ privateKey: await ephemeralIdentity(), ...(key !== undefined ? { farmKey: key } : {}) })
  stops.push(async () => { await host.stop() })
  return { client, open: async (protocol) => (await dialFirst(host, [address], protocol)).stream }
}
