// Scheduling efficiency: 8 simulated nodes of different speeds (real node code
// over libp2p, sleeping instead of rendering), 400 frames. Ideal makespan
// (total work / total speed) divided by the actual one.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CoordinatorClient } from '../src/client/coordinator-client.js'
import { coordinatorAddress, microfarm, stopAll, waitFor } from './lib/processes.js'
import { fakeBlend, simNode } from './lib/sim-nodes.js'
import { submitBlend } from './lib/submit-blend.js'

const FRAMES = 400
const MS_PER_FRAME = [200, 240, 300, 360, 440, 520, 600, 800]
const TARGET = 0.97
const WARM_UP_FRAMES = 40

export async function scheduling (): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-sched-'))
  try {
    const out = path.join(dir, 'out')
    const coordinator = microfarm(['coordinator', '--port', '0', '--no-advertise', '--no-tui', '--output-dir', out])
    const address = await coordinatorAddress(coordinator)
    MS_PER_FRAME.forEach((ms, i) => simNode(address, `sim${i + 1}-${ms}ms`, ms, path.join(dir, `work-${i}`)))
    await waitFor('every simulated node to join', () => (coordinator.output().match(/node joined: sim/g) ?? []).length === MS_PER_FRAME.length, 60_000, 20)
    const client = await CoordinatorClient.connect({ coordinator: address })
    // Nodes of a farm have been running a while: a short job first warms every
    // process up, then the measured job brings a .blend of its own to fetch.
    await renderAll(client, out, await fakeBlend(path.join(dir, 'warm-up')), WARM_UP_FRAMES)
    const blend = await fakeBlend(dir)
    const started = performance.now()
    const jobId = await renderAll(client, out, blend, FRAMES)
    const actual = (performance.now() - started) / 1000
    const job = (await client.listJobs()).find(j => j.id === jobId)
    await client.close()
    const ideal = FRAMES / MS_PER_FRAME.reduce((speed, ms) => speed + 1000 / ms, 0)
    const efficiency = ideal / actual
    const copies = (coordinator.output().match(/job \d+: frames \d+ → /g) ?? []).filter(line => line.startsWith(`job ${jobId}:`)).length
    return [
      `scheduling efficiency, ${MS_PER_FRAME.length} simulated nodes (${MS_PER_FRAME.join('/')} ms a frame), ${FRAMES} frames: ${efficiency.toFixed(3)} (ideal ${ideal.toFixed(2)} s, actual ${actual.toFixed(2)} s; target ≥ ${TARGET}) ${efficiency >= TARGET ? 'OK' : 'BELOW TARGET'}`,
      `  frames per node: ${Object.entries(job?.byNode ?? {}).map(([n, c]) => `${n} ${c}`).join(', ')}; ${copies - FRAMES} backup copies handed out`,
    ]
  } finally {
    await stopAll()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Submits `frames` frames of a simulated job and waits until every frame is on the coordinator's disk. */
async function renderAll (client: CoordinatorClient, out: string, blend: string, frames: number): Promise<string> {
  const { jobId } = await submitBlend(client, blend, {
    name: path.basename(blend), frames: `1-${frames}`, chunk: 1, format: 'PNG', priority: 0,
    encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
  })
  const jobDir = path.join(out, `job_${jobId}`)
  await waitFor(`every frame of job ${jobId}`, async () => (await readdir(jobDir).catch(() => [])).filter(f => /^frame_\d+\.png$/.test(f)).length === frames, 300_000, 5)
  return jobId
}
