import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { z } from 'zod'
import { sha256File } from '../net/payload.js'
import { MAX_MANIFEST_BYTES, MAX_PROJECT_FILES } from '../protocol/constants.js'
import { projectManifest } from '../protocol/project.js'
import type { ProjectManifest, ProjectRef } from '../protocol/project.js'
import { encodeMessage } from '../protocol/framing.js'
import type { ProjectPlan } from './plan.js'
import { ProjectPlanError } from './plan.js'
import { mapConcurrent } from '../util/map-concurrent.js'

/** A project ready to send: its manifest (and that manifest's own bytes and hash), and where each file is here. */
export interface LocalProject {
  manifest: ProjectManifest
  manifestBytes: Uint8Array
  ref: ProjectRef
  /** sources[i] is where manifest.files[i] is on this machine. */
  sources: string[]
  bytes: number
}

/** Files hashed at once: reading and hashing overlap, on a machine of two cores or more. */
const HASH_CONCURRENCY = 3

/** Sizes and hashes every file of the plan and writes the manifest. */
export async function hashProject (plan: ProjectPlan, options: { signal?: AbortSignal, onHashed?: (done: number, total: number) => void } = {}): Promise<LocalProject> {
  if (plan.files.length > MAX_PROJECT_FILES) {
    throw new ProjectPlanError(`the scene needs ${plan.files.length} files; a job may carry at most ${MAX_PROJECT_FILES} (MAX_PROJECT_FILES)`)
  }
  const files: ProjectManifest['files'] = new Array(plan.files.length)
  let done = 0
  const stop = new AbortController()
  const signal = options.signal !== undefined ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  await mapConcurrent(plan.files, HASH_CONCURRENCY, async (file, i) => {
    const before = await stat(file.source)
    const sha256 = await sha256File(file.source, signal)
    const after = await stat(file.source)
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw new ProjectPlanError(`${file.source} changed while it was read; submit again once it is saved`)
    files[i] = { path: file.path, size: after.size, sha256 }
    options.onHashed?.(++done, plan.files.length)
  }, stop)
  return sealProject({ version: 1, main: plan.main, files, remap: plan.remap, missing: plan.missing }, plan.files.map(f => f.source))
}

/** Checks a manifest against the schema every receiver uses and computes its hash. */
export function sealProject (manifest: ProjectManifest, sources: string[]): LocalProject {
  const parsed = projectManifest.safeParse(manifest)
  if (!parsed.success) throw new ProjectPlanError(`the project cannot be sent: ${z.prettifyError(parsed.error)}`)
  const manifestBytes = encodeMessage(parsed.data)
  if (manifestBytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new ProjectPlanError(`the list of the scene's files is ${manifestBytes.byteLength} bytes; at most ${MAX_MANIFEST_BYTES} are allowed (fewer files, or shorter paths)`)
  }
  const sha256 = createHash('sha256').update(manifestBytes).digest('hex')
  return {
    manifest: parsed.data,
    manifestBytes,
    ref: { sha256, size: manifestBytes.byteLength },
    sources,
    bytes: parsed.data.files.reduce((sum, f) => sum + f.size, 0),
  }
}

/** The project of a scene sent without its dependencies (--no-deps): the .blend alone, under its own name. */
export async function blendOnlyProject (blendPath: string, name: string): Promise<LocalProject> {
  const size = (await stat(blendPath)).size
  const sha256 = await sha256File(blendPath)
  return sealProject({ version: 1, main: name, files: [{ path: name, size, sha256 }], remap: [], missing: [] }, [blendPath])
}
