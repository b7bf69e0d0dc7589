// Farm vs plain Blender: the same scene rendered by `blender -b … -a` and by
// the farm with one local node, chunk 1 (from submit until every frame is on
// the coordinator's disk; the node is already running, and each run brings a
// .blend the node has not seen).
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CoordinatorClient } from '../src/client/coordinator-client.js'
import { coordinatorAddress, median, microfarm, stopAll, timeRun, waitFor } from './lib/processes.js'
import { makeScene } from './lib/scene.js'
import { submitBlend } from './lib/submit-blend.js'

const RUNS = 3

interface Case { label: string, frames: number, width: number, height: number, samples: number, target: number }

const CASES: Case[] = [
  { label: 'acceptance scene (24 frames, 160x90, 2 samples)', frames: 24, width: 160, height: 90, samples: 2, target: 1.15 },
  { label: 'frames of a few seconds (6 frames, 640x360, 256 samples)', frames: 6, width: 640, height: 360, samples: 256, target: 1.02 },
]

export async function farmVsBlender (): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-farm-'))
  const lines: string[] = []
  try {
    const out = path.join(dir, 'out')
    const coordinator = microfarm(['coordinator', '--port', '0', '--no-advertise', '--no-tui', '--output-dir', out])
    const address = await coordinatorAddress(coordinator)
    microfarm(['node', '--name', 'bench', '--coordinator', address, '--work-dir', path.join(dir, 'work')])
    await waitFor('the node to join', () => coordinator.output().includes('node joined: bench'), 30_000, 20)
    const client = await CoordinatorClient.connect({ coordinator: address })
    let variants = 0
    for (const c of CASES) {
      const plain: number[] = []
      const farm: number[] = []
      for (let run = 0; run < RUNS; run++) {
        // A file of its own each run (same picture): the node must fetch and load a new scene, as for a real new job.
        const scene = await makeScene(dir, { ...c, variant: ++variants })
        plain.push(await timeRun(process.env.BLENDER ?? 'blender', ['-b', scene, '-Y', '-o', path.join(dir, `plain-${run}`, 'frame_####'), '-F', 'PNG', '-x', '1', '-a']))
        const started = performance.now()
        const { jobId } = await submitBlend(client, scene, {
          name: path.basename(scene),
          frames: `1-${c.frames}`,
          chunk: 1,
          format: 'PNG',
          priority: 0,
          encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
        })
        const jobDir = path.join(out, `job_${jobId}`)
        await waitFor(`job ${jobId}'s frames`, async () => (await readdir(jobDir).catch(() => [])).filter(f => f.endsWith('.png')).length === c.frames, 600_000, 5)
        farm.push((performance.now() - started) / 1000)
      }
      const ratio = median(farm) / median(plain)
      lines.push(`farm vs plain Blender, ${c.label}: ${ratio.toFixed(3)} (farm ${median(farm).toFixed(2)} s, blender -a ${median(plain).toFixed(2)} s, median of ${RUNS}; target ≤ ${c.target}) ${ratio <= c.target ? 'OK' : 'ABOVE TARGET'}`)
    }
    await client.close()
  } finally {
    await stopAll()
    await rm(dir, { recursive: true, force: true })
  }
  return lines
}
