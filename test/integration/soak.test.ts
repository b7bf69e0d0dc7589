import test from 'ava'
import { runSoak, SoakCheckError } from '../../bench/lib/soak.js'

// The soak at a small scale (bench/soak.ts runs it at full scale): 20
// simulated nodes in 4 processes render 2 jobs while node processes are
// killed -9 and restarted, the coordinator is killed -9 and restarted on its
// port and folder, and concurrent CLI processes pause, resume, cancel,
// activate and retry. Every frame must end on disk exactly once, agreeing with
// the manifests. runSoak gives every process a deadline and stops them all.

test('soak: kills, a coordinator restart and concurrent controls lose no frame and duplicate none', async (t) => {
  t.timeout(120_000)
  const started = Date.now()
  try {
    const report = await runSoak({
      nodes: 20,
      processes: 4,
      jobs: 2,
      frames: 600,
      // Long enough frames (600 × 500 ms / 20 nodes = 15 s of rendering) that the chaos lands mid-job.
      msPerFrame: 500,
      nodeKills: 3,
      coordinatorRestarts: 1,
      controls: 8,
      concurrency: 4,
      seed: 7,
      timeoutMs: 100_000,
      log: (line) => t.log(line),
    })
    t.log(`${report.seconds.toFixed(1)} s; dispatch p50 ${report.dispatch.p50Ms.toFixed(2)} ms, p99 ${report.dispatch.p99Ms.toFixed(2)} ms (${report.dispatch.steadySamples}/${report.dispatch.samples} samples); coordinator peak RSS ${report.coordinator.peakRssMb.toFixed(0)} MB, ${report.coordinator.cpuMsPerFrame.toFixed(2)} CPU ms/frame; chaos ${JSON.stringify(report.chaos)}`)
    t.is(report.chaos.coordinatorRestarts, 1)
    t.is(report.chaos.nodeKills, 3)
    t.true(report.dispatch.steadySamples > 0)
  } catch (err) {
    if (err instanceof SoakCheckError) {
      t.log(JSON.stringify({ ...err.report, problems: undefined }, null, 2))
    }
    throw err
  } finally {
    t.log(`soak test took ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }
})
