import { z } from 'zod'
import { encodeSettings, renderFormat, sceneInfo } from '../protocol/messages.js'
import { missingDependency, projectRef, sha256 } from '../protocol/project.js'
import type { Job } from '../jobs/job.js'

// A job's manifest on disk (OUTPUT/job_<id>_info.json). Validated on load like
// any input: a hand-edited or damaged manifest is reported, not trusted.

export const MANIFEST_VERSION = 1

const frameRecord = z.object({
  state: z.enum(['pending', 'rendering', 'done', 'failed']),
  attempts: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  failedOn: z.array(z.string()),
  nodeId: z.string().optional(),
  taskId: z.string().optional(),
  backupNodeId: z.string().optional(),
  backupTaskId: z.string().optional(),
  node: z.string().optional(),
  error: z.string().optional(),
  doneAt: z.string().optional(),
})

const jobSchema = z.object({
  id: z.string().regex(/^[0-9]{1,9}$/),
  name: z.string(),
  blendSha256: sha256,
  blendSize: z.number().int().nonnegative(),
  project: projectRef.extend({ files: z.number().int().positive(), bytes: z.number().int().nonnegative() }).optional(),
  missingFiles: z.array(missingDependency).optional(),
  warnings: z.array(z.string()).optional(),
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
})

const manifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION),
  job: jobSchema,
})

export class ManifestError extends Error {
  override name = 'ManifestError'
}

export function serializeManifest (job: Job): string {
  return JSON.stringify({ manifestVersion: MANIFEST_VERSION, job }, null, 2) + '\n'
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
  return result.data.job as Job
}
