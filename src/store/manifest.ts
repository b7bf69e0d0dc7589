import { z } from 'zod'
import { encodeSettings, jobOwner, renderFormat, sceneInfo } from '../protocol/messages.js'
import { missingDependency, projectRef, sha256 } from '../protocol/project.js'
import type { FrameRecord, Job } from '../jobs/job.js'
import { frameNumbers } from '../jobs/job.js'
import { formatFrameList, parseFrameList } from '../jobs/frame-range.js'
import { isUntouched, UNTOUCHED_FRAME } from '../jobs/frame-record.js'
import { errorMessage } from '../util/error-message.js'

// A job's manifest on disk (OUTPUT/job_<id>_info.json). Validated on load like
// any input: a hand-edited or damaged manifest is reported, not trusted.

// Version 2 stores the frames nothing happened to yet as one frame list
// (`untouchedFrames`, e.g. "1-100000") and a record only for the others, one
// line each: a new job of 100 000 frames is a few hundred bytes, not 15 MB
// written again on every change. Version 1 (a record per frame) still loads.
export const MANIFEST_VERSION = 2

const frameRecord = z.object({
  state: z.enum(['pending', 'rendering', 'done', 'failed']),
  attempts: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  failedOn: z.array(z.string()),
  nodeId: z.string().optional(),
  taskId: z.string().optional(),
  backupNodeId: z.string().optional(),
  backupTaskId: z.string().optional(),
  lastNodeId: z.string().optional(),
  node: z.string().optional(),
  error: z.string().optional(),
  doneAt: z.string().optional(),
})

const jobSchema = z.object({
  id: z.string().regex(/^[0-9]{1,9}$/),
  name: z.string(),
  owner: jobOwner.optional(),
  blendSha256: sha256,
  blendSize: z.number().int().nonnegative(),
  project: projectRef.extend({ files: z.number().int().positive(), bytes: z.number().int().nonnegative() }).optional(),
  missingFiles: z.array(missingDependency).optional(),
  warnings: z.array(z.string()).optional(),
  framesWarned: z.number().int().nonnegative().optional(),
  blendVersion: z.string().optional(),
  submitterBlender: z.string().optional(),
  blenderVersion: z.string().optional(),
  require: z.enum(['gpu', 'cpu']).optional(),
  format: renderFormat,
  chunk: z.number().int().min(1),
  priority: z.number().int(),
  frameSpec: z.string().optional(),
  state: z.enum(['queued', 'active', 'paused', 'completed', 'cancelled', 'failed']),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  sceneInfo: sceneInfo.optional(),
  probe: z.object({
    state: z.enum(['needed', 'running', 'failed']),
    nodeId: z.string().optional(),
    taskId: z.string().optional(),
    attempts: z.number().int().nonnegative(),
  }).optional(),
  frames: z.record(z.string().regex(/^[0-9]+$/), frameRecord),
  blocklist: z.record(z.string(), z.string()),
  encode: z.object({
    settings: encodeSettings,
    state: z.enum(['none', 'waiting', 'encoding', 'done', 'failed']),
    progress: z.number().optional(),
    outputPath: z.string().optional(),
    error: z.string().optional(),
  }),
  tiles: z.object({
    frame: z.number().int().nonnegative(),
    columns: z.number().int().positive(),
    rows: z.number().int().positive(),
    overscan: z.number().int().nonnegative(),
    stitch: z.enum(['none', 'waiting', 'done', 'failed']),
    outputPath: z.string().optional(),
    error: z.string().optional(),
  }).optional(),
})

const manifestSchema = z.discriminatedUnion('manifestVersion', [
  z.object({ manifestVersion: z.literal(1), job: jobSchema }),
  z.object({
    manifestVersion: z.literal(2),
    job: jobSchema.omit({ frames: true }),
    untouchedFrames: z.string(),
    frames: jobSchema.shape.frames,
  }),
])

export class ManifestError extends Error {
  override name = 'ManifestError'
}

export function serializeManifest (job: Job): string {
  const { frames, ...rest } = job
  const untouched: number[] = []
  const lines: string[] = []
  for (const frame of frameNumbers(job)) {
    const record = frames[frame] as FrameRecord
    if (isUntouched(record)) untouched.push(frame)
    else lines.push(`    "${frame}": ${JSON.stringify(record)}`)
  }
  const head = JSON.stringify({ manifestVersion: MANIFEST_VERSION, job: rest, untouchedFrames: formatFrameList(untouched) }, null, 2)
  // The head ends with "\n}": the frames go in before it, one record a line.
  return `${head.slice(0, -2)},\n  "frames": {\n${lines.join(',\n')}\n  }\n}\n`
}

export function parseManifest (text: string, path: string): Job {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new ManifestError(`${path} is not valid JSON`, { cause: err })
  }
  const result = manifestSchema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new ManifestError(`${path} is not a MicroFarm job manifest (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`)
  }
  const data = result.data
  if (data.manifestVersion === 1) return data.job as Job
  const frames: Job['frames'] = {}
  try {
    for (const frame of data.untouchedFrames === '' ? [] : parseFrameList(data.untouchedFrames)) frames[frame] = UNTOUCHED_FRAME
  } catch (err) {
    throw new ManifestError(`${path} is not a MicroFarm job manifest (untouchedFrames: ${errorMessage(err)})`, { cause: err })
  }
  Object.assign(frames, data.frames)
  return { ...data.job, frames } as Job
}
