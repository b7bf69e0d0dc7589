import path from 'node:path'
import type { BlenderInstall } from '../blender/find-blender.js'
import type { TraceOutput } from '../blender/dependencies.js'
import { traceScene, traceSpan } from '../blender/scene-trace.js'
import type { SceneInfoMessage } from '../protocol/messages.js'
import { blendOnlyProject, hashProject } from './local-project.js'
import type { LocalProject } from './local-project.js'
import { planProject } from './plan.js'
import type { ProjectPlan } from './plan.js'

export interface PrepareOptions {
  /** The machine's Blender; without one the scene cannot be traced (see `noDeps`). */
  blender?: BlenderInstall
  /** Send the .blend alone, without tracing its files. */
  noDeps?: boolean
  /** The job's frame list as typed (`1-100,120`): which files of an image sequence travel. */
  frames?: string
  signal?: AbortSignal
  /** The trace of this scene by `blender`, already started (submit starts Blender before the rest of it loads). */
  trace?: Promise<TraceOutput>
  onTraced?: (trace: TraceOutput) => void
  onHashed?: (done: number, total: number) => void
}

export interface PreparedProject {
  project: LocalProject
  /** Undefined when there was no Blender to read the scene. */
  sceneInfo?: SceneInfoMessage
  /** Undefined with --no-deps. */
  plan?: ProjectPlan
  /** Drivers with Python expressions in the scene: they do not run on the farm (-Y). */
  pythonDrivers: number
  /** The Blender that read the scene, and the version that saved the file as it saw it ("4.2"); undefined without Blender. */
  blender?: { version: string, fileVersion?: string }
}

export class DependenciesUntraceableError extends Error {
  override name = 'DependenciesUntraceableError'
}

/**
 * A .blend on this machine made into a job's project: one Blender run reads
 * the scene's facts and lists its files, then every file is sized and hashed.
 * Used by `submit` and by the coordinator's own new-job form.
 */
export async function prepareProject (blendFile: string, o: PrepareOptions): Promise<PreparedProject> {
  const blendPath = path.resolve(blendFile)
  if (o.blender === undefined) {
    if (o.noDeps !== true) {
      throw new DependenciesUntraceableError('there is no Blender on this machine, so the files this scene needs (textures, libraries, caches) cannot be listed: install Blender here (or pass --blender PATH), or send the .blend alone with --no-deps if it needs no other file')
    }
    return { project: await blendOnlyProject(blendPath, path.basename(blendPath)), pythonDrivers: 0 }
  }
  const range = o.frames !== undefined ? traceSpan(o.frames) : undefined
  const trace = await (o.trace ?? traceScene(o.blender, blendPath, { ...(range !== undefined ? { frames: range } : {}), ...(o.signal !== undefined ? { signal: o.signal } : {}) }))
  o.onTraced?.(trace)
  const sceneInfo = trace.scene
  if (o.noDeps === true) {
    return { project: await blendOnlyProject(blendPath, path.basename(blendPath)), sceneInfo, pythonDrivers: trace.pythonDrivers, blender: tracedBy(trace) }
  }
  const plan = planProject(blendPath, trace.references)
  const project = await hashProject(plan, { ...(o.signal !== undefined ? { signal: o.signal } : {}), ...(o.onHashed !== undefined ? { onHashed: o.onHashed } : {}) })
  return { project, sceneInfo, plan, pythonDrivers: trace.pythonDrivers, blender: tracedBy(trace) }
}

function tracedBy (trace: TraceOutput): NonNullable<PreparedProject['blender']> {
  return { version: trace.blender, ...(trace.fileVersion !== undefined ? { fileVersion: trace.fileVersion } : {}) }
}
