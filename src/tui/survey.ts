import { frameNumbers } from '../jobs/job.js'
import type { FrameRecordView, FrameState, JobView } from '../jobs/job.js'

export interface JobFacts {
  counts: Record<FrameState, number>
  total: number
  /** Lowest and highest frame number (undefined before the range is known). */
  first?: number
  last?: number
  /** Nodes (by peer id) rendering it now. */
  workers: Set<string>
}

export interface NodeWork {
  jobId: string
  frames: number[]
  /** Reading the scene's frame range rather than rendering. */
  probe: boolean
}

export interface Survey {
  jobs: Map<string, JobFacts>
  /** Node peer id → what it is working on now. */
  work: Map<string, NodeWork[]>
}

/**
 * One pass over every job's frames per redraw: counts, range, and who renders
 * what. Integer keys of an object iterate in ascending order, so the frames
 * come in frame order without sorting.
 */
export function survey (jobs: readonly JobView[]): Survey {
  const result: Survey = { jobs: new Map(), work: new Map() }
  for (const job of jobs) {
    const facts: JobFacts = { counts: { pending: 0, rendering: 0, done: 0, failed: 0 }, total: 0, workers: new Set() }
    // Object.values, not for…in or Object.entries: a job of 50 000 frames is
    // walked ten times a second, and string keys cost eight times as much.
    const records = Object.values(job.frames)
    const numbers = frameNumbers(job)
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as FrameRecordView
      facts.counts[record.state]++
      if (record.state === 'rendering' && record.nodeId !== undefined) {
        facts.workers.add(record.nodeId)
        workOf(result, record.nodeId, job.id, false).frames.push(numbers[i] as number)
      }
    }
    facts.total = records.length
    if (numbers.length > 0) {
      facts.first = numbers[0]
      facts.last = numbers[numbers.length - 1]
    }
    if (job.probe?.state === 'running' && job.probe.nodeId !== undefined) {
      facts.workers.add(job.probe.nodeId)
      workOf(result, job.probe.nodeId, job.id, true)
    }
    result.jobs.set(job.id, facts)
  }
  return result
}

function workOf (survey: Survey, nodeId: string, jobId: string, probe: boolean): NodeWork {
  const list = survey.work.get(nodeId) ?? []
  survey.work.set(nodeId, list)
  let work = list.find(w => w.jobId === jobId && w.probe === probe)
  if (work === undefined) {
    work = { jobId, frames: [], probe }
    list.push(work)
  }
  return work
}

/**
 * Seconds until the job is rendered: the frames left, at the measured seconds
 * per frame, spread over the nodes on it. Undefined when nothing measured it
 * yet or nobody renders it.
 */
export function etaSeconds (o: { remaining: number, secondsPerFrame?: number, workers: number }): number | undefined {
  if (o.remaining === 0) return 0
  if (o.secondsPerFrame === undefined || o.workers === 0) return undefined
  return o.remaining * o.secondsPerFrame / Math.min(o.workers, o.remaining)
}
