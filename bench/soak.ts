// The soak at full scale: 200 simulated nodes (real node code and libp2p
// connections, several nodes per process, sleeping instead of Blender),
// 20 000 frames in several jobs, random node kills and restarts, the
// coordinator killed -9 and restarted twice, concurrent CLI job controls.
// Prints the coordinator's dispatch latency, its memory and CPU per frame,
// and whether every frame ended on disk exactly once (see lib/soak.ts).
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runSoak, SoakCheckError, STATS_INTERVAL_S } from './lib/soak.js'
import type { SoakOptions, SoakReport } from './lib/soak.js'

const GOAL_P99_MS = 20
const GOAL_RSS_MB = 250

/** As the coordinator's log line prints them: three digits up to 100 ms. */
function ms (n: number): string { return n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0) }

// MS_PER_FRAME keeps the farm's own load (200 nodes' sessions and uploads, the
// coordinator) within two cores: 20 000 frames × 2400 ms / 200 nodes = 240 s of rendering.
const FULL: SoakOptions = {
  nodes: 200,
  processes: 10,
  frames: 20_000,
  jobs: 4,
  msPerFrame: Number(process.env['SOAK_MS_PER_FRAME'] ?? 2400),
  nodeKills: 6,
  coordinatorRestarts: 2,
  controls: 24,
  concurrency: 4,
  seed: 1,
  timeoutMs: 15 * 60_000,
}

export async function soak (): Promise<string[]> {
  let report: SoakReport
  let failure: string | undefined
  // Every process's whole output stays here, for the evidence when a check fails.
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'mf-soak-logs-'))
  try {
    report = await runSoak({ ...FULL, logDir, log: (line) => process.stderr.write(`  soak: ${line}\n`) })
  } catch (err) {
    if (!(err instanceof SoakCheckError)) throw err
    report = err.report
    failure = err.message
  }
  const { scale, dispatch, coordinator, chaos } = report
  const cd = report.coordinatorDispatch
  const w = cd.wholeRun
  return [
    `soak, ${scale.nodes} simulated nodes in ${scale.processes} processes, ${scale.frames} frames in ${scale.jobs} jobs (${scale.msPerFrame} ms a frame), ${chaos.nodeKills} node-process kills, ${chaos.coordinatorRestarts} coordinator kill -9 + restart, ${chaos.controls} CLI controls (${chaos.refused} refused as expected):`,
    `  coordinator's dispatch latency (request-work read → assign written, as the coordinator measured it):`,
    `    whole run, ${cd.wholeRun.answered} requests answered at once: p99 ${ms(w.p99Ms)} ms (goal p99 ≤ ${GOAL_P99_MS} ms) ${w.p99Ms <= GOAL_P99_MS ? 'OK' : 'ABOVE GOAL'}, max ${ms(w.maxMs)} ms; event loop delay p99 ${ms(w.loopDelayP99Ms)} ms, max ${ms(w.loopDelayMaxMs)} ms` +
      (w.processes.length > 1 ? ` (the largest of the ${w.processes.length} coordinator processes that reported, of ${coordinator.processes}: an upper bound)` : ''),
    ...w.processes.map(p => `      coordinator process ${p.process}, ${(p.periodMs / 1000).toFixed(0)} s: ${p.answered} answered at once, p50 ${ms(p.p50Ms)} ms, p99 ${ms(p.p99Ms)} ms, max ${ms(p.maxMs)} ms; ${p.waited} waited for work; event loop delay p99 ${ms(p.loopDelayP99Ms)} ms, max ${ms(p.loopDelayMaxMs)} ms`),
    `    per period (--stats-interval ${STATS_INTERVAL_S} s), ${cd.periods} periods of ${cd.answered} requests answered at once: p50 ${ms(cd.p50Ms)} ms, worst period's p99 ${ms(cd.worstP99Ms)} ms, max ${ms(cd.maxMs)} ms; ${cd.waited} requests waited for work; event loop delay, worst period's p99 ${ms(cd.worstLoopDelayP99Ms)} ms`,
    `  the same seen from the nodes (their request-work sent → assign read, steady state; adds both event loops, the network and the waiting for work): p50 ${dispatch.p50Ms.toFixed(2)} ms, p99 ${dispatch.p99Ms.toFixed(2)} ms; ${dispatch.steadySamples} of ${dispatch.samples} requests (all: p99 ${dispatch.allP99Ms.toFixed(1)} ms, max ${dispatch.maxMs.toFixed(0)} ms)`,
    `  coordinator RSS peak: ${coordinator.peakRssMb.toFixed(0)} MB (goal ≤ ${GOAL_RSS_MB} MB) ${coordinator.peakRssMb <= GOAL_RSS_MB ? 'OK' : 'ABOVE GOAL'}, over ${coordinator.processes} coordinator processes`,
    `  coordinator CPU: ${coordinator.cpuMsPerFrame.toFixed(2)} ms a frame (${(coordinator.cpuMs / 1000).toFixed(1)} s in all)`,
    `  total: ${report.seconds.toFixed(1)} s from the first submit until every job completed (ideal ${(scale.frames * scale.msPerFrame / scale.nodes / 1000).toFixed(0)} s of rendering)`,
    failure === undefined
      ? `  checks: every frame of jobs ${report.jobIds.join(', ')} on disk exactly once, manifests agree, ids unique: OK`
      : `  checks: FAILED\n${failure}`,
    `  logs of every process: ${logDir}`,
    ...(report.warnings.length > 0 ? [`  coordinator warnings (first ${report.warnings.length}):`, ...report.warnings.slice(0, 10).map(w => `    ${w}`)] : []),
  ]
}
