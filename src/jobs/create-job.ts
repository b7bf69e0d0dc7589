import type { SubmitRequest } from '../protocol/messages.js'
import type { FrameRecord, Job } from './job.js'
import { framesAdded } from './frame-index.js'
import { parseFrameList, sceneFrames } from './frame-range.js'
import type { ProjectManifest, ProjectRef, SceneInfoMessage } from './types.js'

/**
 * A new job from a submit request. Its frames are known now when the user gave
 * them or the submitter read the scene; otherwise a node reads the scene first
 * (the probe) and `setSceneInfo` fills them in.
 */
export function createJob (id: string, request: SubmitRequest, project: ProjectManifest, now: Date): Job {
  const main = project.files.find(file => file.path === project.main)
  // The manifest schema guarantees it; a job without its .blend must never be made.
  if (main === undefined) throw new Error(`the project has no ${project.main}`)
  const job: Job = {
    id,
    name: request.name,
    blendSha256: main.sha256,
    blendSize: main.size,
    project: projectSummary(request.project, project),
    ...(project.missing.length > 0 ? { missingFiles: project.missing } : {}),
    format: request.format,
    chunk: request.chunk,
    priority: request.priority,
    state: 'queued',
    createdAt: now.toISOString(),
    frames: {},
    blocklist: {},
    encode: { settings: request.encode, state: 'none' },
    ...(request.frames !== undefined ? { frameSpec: request.frames } : {}),
  }
  if (request.frames !== undefined) setFrames(job, parseFrameList(request.frames))
  if (request.sceneInfo !== undefined) setSceneInfo(job, request.sceneInfo)
  else if (request.frames === undefined) job.probe = { state: 'needed', attempts: 0 }
  return job
}

function projectSummary (ref: ProjectRef, project: ProjectManifest): NonNullable<Job['project']> {
  return { ...ref, files: project.files.length, bytes: project.files.reduce((sum, file) => sum + file.size, 0) }
}

export function setSceneInfo (job: Job, info: SceneInfoMessage): void {
  job.sceneInfo = info
  delete job.probe
  if (Object.keys(job.frames).length === 0) setFrames(job, sceneFrames(info.frameStart, info.frameEnd, info.frameStep))
}

function setFrames (job: Job, frames: number[]): void {
  for (const frame of frames) job.frames[frame] = newFrame()
  framesAdded(job)
}

export function newFrame (): FrameRecord {
  return { state: 'pending', attempts: 0, failures: 0, failedOn: [] }
}
