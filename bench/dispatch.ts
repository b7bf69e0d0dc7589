// Dispatch cost with a big queue: 10 jobs of 100 000 frames (three of them
// paused), 200 nodes asking for work as they finish frames, in the
// coordinator's own Farm with its real job store (no network: the soak
// measures that). Prints request-work → assign latency p50/p99/max, a burst
// of 60 requests from one node, and the coordinator's memory for the queue.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CoordinatorEvents } from '../src/coordinator/events.js'
import { Farm } from '../src/coordinator/farm.js'
import { newNodeSession } from '../src/coordinator/node-registry.js'
import type { NodeSession } from '../src/coordinator/node-registry.js'
import type { SubmitRequest, Task } from '../src/protocol/messages.js'
import type { ProjectManifest } from '../src/protocol/project.js'
import { JobStore } from '../src/store/job-store.js'

const JOBS = 10
const PAUSED = 3
const FRAMES_PER_JOB = 100_000
const NODES = 200
const REQUESTS = Number(process.env['DISPATCH_REQUESTS'] ?? 20_000)
const GOAL_P99_MS = 20

export async function dispatch (): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-dispatch-'))
  try {
    const store = new JobStore(dir)
    await store.init()
    const farm = new Farm({ policy: { maxAttempts: 3, blocklistAfter: 3 } }, { store, events: new CoordinatorEvents() })
    const rssBefore = process.memoryUsage().rss
    const ids: string[] = []
    for (let i = 0; i < JOBS; i++) ids.push((await farm.submit(request(i), project())).id)
    for (const id of ids.slice(0, PAUSED)) await farm.control(id, 'pause')
    await store.drain()
    const rssQueue = process.memoryUsage().rss - rssBefore

    const held = new Map<string, Task[]>()
    const nodes: NodeSession[] = []
    for (let i = 0; i < NODES; i++) {
      const node = newNodeSession({
        id: `peer-${i}`, name: `sim${i}`, cores: 8, blenderVersion: '4.2.0', platform: 'linux',
        send: (message) => { if (message.type === 'assign') held.get(node.id)?.push(message.task) },
        disconnect: () => undefined,
      })
      held.set(node.id, [])
      nodes.push(node)
      farm.nodeJoined(node)
      farm.requestWork(node.id)
      farm.requestWork(node.id)
    }

    // Each step: a node delivers its oldest task's frames, says the task is
    // finished, and asks again; the request → assign time is what is measured.
    const latencies: number[] = []
    let seed = 1
    const random = (): number => { seed = (seed * 48271) % 2147483647; return seed / 2147483647 }
    for (let step = 0; step < REQUESTS; step++) {
      const node = nodes[Math.floor(random() * nodes.length)] as NodeSession
      const tasks = held.get(node.id) as Task[]
      const task = tasks.shift()
      if (task?.kind === 'render') {
        for (const frame of task.frames) farm.frameStored(task.jobId, frame, node.id)
        farm.taskFinished(node.id, task.taskId)
      }
      const before = tasks.length
      const started = performance.now()
      farm.requestWork(node.id)
      const ms = performance.now() - started
      if (tasks.length > before) latencies.push(ms)
    }

    // One node sends 60 requests in a row (the burst that froze the coordinator).
    const burstNode = nodes[0] as NodeSession
    const burstStarted = performance.now()
    for (let i = 0; i < 60; i++) farm.requestWork(burstNode.id)
    const burstMs = performance.now() - burstStarted
    await store.drain()

    latencies.sort((a, b) => a - b)
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN
    const p99 = at(0.99)
    return [
      `dispatch, ${JOBS} jobs × ${FRAMES_PER_JOB} frames (${PAUSED} paused), ${NODES} nodes, ${latencies.length} requests answered with a task:`,
      `  request-work → assign in the coordinator: p50 ${at(0.5).toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${(latencies[latencies.length - 1] ?? NaN).toFixed(1)} ms (goal p99 ≤ ${GOAL_P99_MS} ms) ${p99 <= GOAL_P99_MS ? 'OK' : 'ABOVE GOAL'}`,
      `  a burst of 60 requests from one node: ${burstMs.toFixed(2)} ms in all`,
      `  memory for the queue (${JOBS * FRAMES_PER_JOB} frames): ${(rssQueue / 1e6).toFixed(0)} MB RSS`,
    ]
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function request (i: number): SubmitRequest {
  return {
    type: 'submit', name: `job${i}.blend`, project: { sha256: 'b'.repeat(64), size: 200 }, frames: `1-${FRAMES_PER_JOB}`,
    chunk: 1, format: 'PNG', priority: i % 3, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
  }
}

function project (): ProjectManifest {
  return { version: 1, main: 'scene.blend', files: [{ path: 'scene.blend', sha256: 'a'.repeat(64), size: 1024 }], remap: [], missing: [] }
}
