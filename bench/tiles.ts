// One still of about a minute: plain `blender -b -t 1` against the farm's
// `microfarm submit --tiles 4x4 --wait` (from the command to the stitched
// still on the coordinator's disk) on one node and on two, each node held to
// one thread so that N nodes are N times one node's power on this 2-core
// machine. Four nodes do not fit here; their time is estimated from the
// times one node took for each tile, handed out in order as the farm does.
import { mkdtemp, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { planTiles } from '../src/jobs/tiles.js'
import { coordinatorAddress, microfarm, MICROFARM, stopAll, timeRun, waitFor } from './lib/processes.js'
import { makeScene } from './lib/scene.js'
import { pulledMakespan, tileDoneTimes } from './lib/tile-schedule.js'

const SCENE = { frames: 1, width: 960, height: 540, samples: 128 }
const GRID = { columns: 4, rows: 4 }
const OVERSCAN = 16
const TARGET_EFFICIENCY = 0.8

export async function tiles (): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-tiles-'))
  try {
    const blender = process.env.BLENDER ?? 'blender'
    let variant = 0
    const scene = async (): Promise<string> => makeScene(dir, { ...SCENE, variant: ++variant })
    const plain = await timeRun(blender, ['-b', await scene(), '-Y', '-t', '1', '-o', path.join(dir, 'plain', 'frame_####'), '-F', 'PNG', '-x', '1', '-f', '1'])

    const out = path.join(dir, 'out')
    const coordinator = microfarm(['coordinator', '--port', '0', '--no-advertise', '--no-tui', '--output-dir', out])
    const address = await coordinatorAddress(coordinator)
    const node = async (name: string): Promise<void> => {
      microfarm(['node', '--name', name, '--threads', '1', '--coordinator', address, '--work-dir', path.join(dir, `work-${name}`)])
      await waitFor(`${name} to join`, () => coordinator.output().includes(`node joined: ${name}`), 30_000, 20)
    }
    let jobs = 0
    // As the user types it; a scene file of its own each run, so the node fetches and loads it anew.
    const tiled = async (): Promise<{ seconds: number, jobId: string }> => {
      const jobId = String(++jobs)
      const seconds = await timeRun(process.execPath, [MICROFARM, 'submit', await scene(), '--frames', '1', '--tiles', `${GRID.columns}x${GRID.rows}`, '--overscan', String(OVERSCAN), '--wait', '--coordinator', address])
      await stat(path.join(out, `job_${jobId}`, 'frame_0001.png'))
      return { seconds, jobId }
    }

    await node('one')
    const alone = await tiled()
    // One node renders the tiles one after another: the gaps between their arrivals are their times.
    const done = tileDoneTimes(coordinator.output(), alone.jobId)
    const durations = done.slice(1).map((at, i) => (at - (done[i] as number)) / 1000)
    const typical = durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length)
    const perTile = [typical, ...durations]
    const fixed = alone.seconds - perTile.reduce((a, b) => a + b, 0)
    await node('two')
    const pair = await tiled()

    const efficiency = (nodes: number, seconds: number): number => (plain / nodes) / seconds
    const four = fixed + pulledMakespan(perTile, 4)
    const plans = planTiles({ width: SCENE.width, height: SCENE.height }, GRID, OVERSCAN)
    const rendered = plans.reduce((sum, p) => sum + p.rendered.width * p.rendered.height, 0) / (SCENE.width * SCENE.height)
    const verdict = (value: number): string => value >= TARGET_EFFICIENCY ? 'OK' : 'BELOW TARGET'
    return [
      `tiles, a ${SCENE.width}x${SCENE.height} still at ${SCENE.samples} samples as ${GRID.columns}x${GRID.rows} tiles with ${OVERSCAN} px overscan, nodes at 1 thread each (blender -b -t 1 -f 1: ${plain.toFixed(1)} s):`,
      `  1 node:  ${alone.seconds.toFixed(1)} s from submit to stitched still, ${(alone.seconds / plain).toFixed(3)} × plain (the cost of tiling: overscan renders ${((rendered - 1) * 100).toFixed(1)} % more pixels; ${fixed.toFixed(1)} s outside the tiles: submit, fetch, scene load, stitch)`,
      `  2 nodes: ${pair.seconds.toFixed(1)} s, efficiency (plain / 2) / tiled = ${efficiency(2, pair.seconds).toFixed(3)} (goal ≥ ${TARGET_EFFICIENCY} with 4) ${verdict(efficiency(2, pair.seconds))}`,
      `  4 nodes, estimated from the 1-node run's tile times (${perTile.map(s => s.toFixed(1)).join(' ')} s) pulled in order by 4 nodes, plus its ${fixed.toFixed(1)} s outside the tiles: ${four.toFixed(1)} s, efficiency ${efficiency(4, four).toFixed(3)} (goal ≥ ${TARGET_EFFICIENCY}) ${verdict(efficiency(4, four))}`,
    ]
  } finally {
    await stopAll()
    await rm(dir, { recursive: true, force: true })
  }
}
