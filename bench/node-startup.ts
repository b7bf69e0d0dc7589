// Node start to first frame assigned, with a coordinator already up and a job
// waiting, discovery over real mDNS (in a network namespace of its own).
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { canCreateNetns, createNetns } from '../test/helpers/netns.js'
import { coordinatorAddress, median, microfarm, stopAll, waitFor } from './lib/processes.js'
import { makeScene } from './lib/scene.js'

const RUNS = 5
const TARGET_SECONDS = 2

export async function nodeStartup (): Promise<string[]> {
  if (!canCreateNetns()) return ['node start to first frame: skipped (needs root for a private network namespace for mDNS)']
  const netns = await createNetns('mf-bench')
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-start-'))
  try {
    const scene = await makeScene(dir, { frames: 200, width: 160, height: 90, samples: 2 })
    const coordinator = microfarm(['coordinator', '--port', '9090', '--no-tui', '--farm', 'bench', '--output-dir', path.join(dir, 'out')], { netns: netns.name })
    const address = await coordinatorAddress(coordinator)
    // A job waits with frames for nobody; each new node's first assignment ends the clock.
    await submitInNetns(netns.name, scene, address)
    const times: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const name = `fresh-${run}`
      const started = performance.now()
      const node = microfarm(['node', '--name', name, '--work-dir', path.join(dir, `work-${run}`)], { netns: netns.name })
      await waitFor(`${name}'s first frame`, () => new RegExp(`frames \\d+ → ${name}`).test(coordinator.output()), 30_000, 2)
      times.push((performance.now() - started) / 1000)
      await node.stop()
    }
    const m = median(times)
    return [`node start to first frame assigned (mDNS): ${(m / TARGET_SECONDS).toFixed(3)} of the ${TARGET_SECONDS} s target (median ${m.toFixed(2)} s of ${RUNS}: ${times.map(s => s.toFixed(2)).join(', ')}) ${m <= TARGET_SECONDS ? 'OK' : 'ABOVE TARGET'}`]
  } finally {
    await stopAll()
    await netns.remove()
    await rm(dir, { recursive: true, force: true })
  }
}

async function submitInNetns (netns: string, scene: string, address: string): Promise<void> {
  // The coordinator's loopback is the namespace's: submit from inside it.
  const submit = microfarm(['submit', scene, '--frames', '1-200', '--no-encode', '--coordinator', address], { netns })
  await waitFor('the submit', () => submit.child.exitCode !== null, 60_000, 20)
  if (submit.child.exitCode !== 0) throw new Error(`submit failed: ${submit.output()}`)
}
