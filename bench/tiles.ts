// One still of about a minute: plain `blender -b -t 1` against the farm's
// `microfarm submit --tiles 4x4 --wait` (from the command to the stitched
// still on the coordinator's disk) on one node (with the default overscan
// and without, for its cost) and on two, each node held to one thread so
// that N nodes are N times one node's power on this 2-core machine. Four
// nodes do not fit here; their time is estimated from the times one node
// took for each tile, handed out in order as the farm does.
import { mkdtemp, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { planTiles } from '../src/jobs/tiles.js'
import { coordinatorAddress, microfarm, MICROFARM, stopAll, timeRun, waitFor } from './lib/processes.js'
import { makeScene } from './lib/scene.js'
import { pulledMakespan, tileDoneTimes } from './lib/tile-schedule.js'

const SCENE = { frames: 1, width: 2560, height: 1440, samples: 128 }
const GRID = { columns: 4, rows: 4 }
import { DEFAULT_OVERSCAN } from '../src/jobs/tiles.js'
const TARGET_EFFICIENCY = 0.8

export async function tiles (): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-tiles-'))
  try {
    const blender = process.env.BLENDER ?? 'blender'
    let variant = 0
    const scene = async (): Promise<string> => makeScene(dir, { ...SCENE, variant: ++variant })
    const plainRun = async (): Promise<number> => timeRun(blender, ['-b', await scene(), '-Y', '-t', '1', '-o', path.join(dir, 'plain', 'frame_####'), '-F', 'PNG', '-x', '1', '-f', '1'])
    // Before the farm's runs and after them: this machine's speed drifts by 10 % under other work within minutes.
    const plainBefore = await plainRun()

    const out = path.join(dir, 'out')
    const coordinator = microfarm(['coordinator', '--port', '0', '--no-advertise', '--no-tui', '--output-dir', out])
    const address = await coordinatorAddress(coordinator)
    const node = async (name: string): Promise<void> => {
      microfarm(['node', '--name', name, '--threads', '1', '--coordinator', address, '--work-dir', path.join(dir, `work-${name}`)])
      await waitFor(`${name} to join`, () => coordinator.output().includes(`node joined: ${name}`), 30_000, 20)
    }
    let jobs = 0
    // As the user types it; a scene file of its own each run, so the node fetches and loads it anew.
    const tiled = async (overscan: number): Promise<{ seconds: number, jobId: string }> => {
      const jobId = String(++jobs)
      const seconds = await timeRun(process.execPath, [MICROFARM, 'submit', await scene(), '--frames', '1', '--tiles', `${GRID.columns}x${GRID.rows}`, '--overscan', String(overscan), '--wait', '--coordinator', address])
      await stat(path.join(out, `job_${jobId}`, 'frame_0001.png'))
      return { seconds, jobId }
    }
    /** One node renders the tiles one after another: the gaps between their arrivals are their times (the first: their mean). */
    const tileTimes = (jobId: string, seconds: number): { perTile: number[], outside: number } => {
      const done = tileDoneTimes(coordinator.output(), jobId)
      const gaps = done.slice(1).map((at, i) => (at - (done[i] as number)) / 1000)
      const perTile = [gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length), ...gaps]
      return { perTile, outside: seconds - perTile.reduce((a, b) => a + b, 0) }
    }

    await node('one')
    const runs: Array<{ overscan: number, seconds: number, perTile: number[], outside: number }> = []
    for (const overscan of [DEFAULT_OVERSCAN, 0]) {
      const alone = await tiled(overscan)
      runs.push({ overscan, seconds: alone.seconds, ...tileTimes(alone.jobId, alone.seconds) })
    }
    await node('two')
    const pair = await tiled(DEFAULT_OVERSCAN)
    const plainAfter = await plainRun()
    const plain = (plainBefore + plainAfter) / 2

    const efficiency = (nodes: number, seconds: number): number => (plain / nodes) / seconds
    const verdict = (value: number): string => value >= TARGET_EFFICIENCY ? 'OK' : 'BELOW TARGET'
    const lines = [`tiles, a ${SCENE.width}x${SCENE.height} still at ${SCENE.samples} samples as ${GRID.columns}x${GRID.rows} tiles, nodes at 1 thread each (blender -b -t 1 -f 1: ${plain.toFixed(1)} s, the mean of ${plainBefore.toFixed(1)} s before the farm's runs and ${plainAfter.toFixed(1)} s after):`]
    for (const { overscan, seconds, perTile, outside } of runs) {
      const four = outside + pulledMakespan(perTile, 4)
      const plans = planTiles({ width: SCENE.width, height: SCENE.height }, GRID, overscan)
      const rendered = plans.reduce((sum, p) => sum + p.rendered.width * p.rendered.height, 0) / (SCENE.width * SCENE.height)
      lines.push(
        `  overscan ${overscan} px${overscan === DEFAULT_OVERSCAN ? ' (the default)' : ''}, ${((rendered - 1) * 100).toFixed(1)} % more pixels rendered:`,
        `    1 node:  ${seconds.toFixed(1)} s from submit to stitched still, ${(seconds / plain).toFixed(3)} × plain; tiles ${perTile.reduce((a, b) => a + b, 0).toFixed(1)} s (${perTile.map(x => x.toFixed(1)).join(' ')}), ${outside.toFixed(1)} s outside them (submit, fetch, scene load, stitch)`,
        `    4 nodes, estimated (those tile times pulled in order by 4 nodes, plus the time outside them): ${four.toFixed(1)} s, efficiency (plain / 4) / tiled = ${efficiency(4, four).toFixed(3)} (goal ≥ ${TARGET_EFFICIENCY}) ${verdict(efficiency(4, four))}`,
      )
    }
    lines.push(`  2 real nodes, overscan ${DEFAULT_OVERSCAN} px: ${pair.seconds.toFixed(1)} s, efficiency (plain / 2) / tiled = ${efficiency(2, pair.seconds).toFixed(3)} (goal ≥ ${TARGET_EFFICIENCY} with 4) ${verdict(efficiency(2, pair.seconds))}`)
    return lines
  } finally {
    await stopAll()
    await rm(dir, { recursive: true, force: true })
  }
}
