import type { SubmitRequest } from '../protocol/messages.js'
import type { Job, TiledStill } from './job.js'
import { checkTileable, tileIndices } from './tiled-still.js'
import { UNTOUCHED_FRAME } from './frame-record.js'
import { framesAdded } from './frame-index.js'
import { parseFrameList, sceneFrames } from './frame-range.js'
import type { JobOwner, ProjectManifest, ProjectRef, SceneInfoMessage } from './types.js'

/**
 * A new job from a submit request. Its frames are known now when the user gave
 * them or the submitter read the scene; otherwise a node reads the scene first
 * (the probe) and `setSceneInfo` fills them in. A tiled still (`tiles`, see
 * tiled-still.ts) has a record per tile instead, one tile a task, no video;
 * without the scene's size a node reads the scene before any tile goes out.
 */
export function createJob (id: string, request: SubmitRequest, project: ProjectManifest, now: Date, owner?: JobOwner, tiles?: TiledStill): Job {
  const main = project.files.find(file => file.path === project.main)
  // The manifest schema guarantees it; a job without its .blend must never be made.
  if (main === undefined) throw new Error(`the project has no ${project.main}`)
  const job: Job = {
    id,
    name: request.name,
    ...(owner !== undefined ? { owner } : {}),
    blendSha256: main.sha256,
    blendSize: main.size,
    project: projectSummary(request.project, project),
    ...(project.missing.length > 0 ? { missingFiles: project.missing } : {}),
    ...(request.blendVersion !== undefined ? { blendVersion: request.blendVersion } : {}),
    ...(request.submitterBlender !== undefined ? { submitterBlender: request.submitterBlender } : {}),
    ...(request.blenderVersion !== undefined ? { blenderVersion: request.blenderVersion.trim() } : {}),
    ...(request.require !== undefined ? { require: request.require } : {}),
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
  if (request.sceneInfo !== undefined) job.sceneInfo = request.sceneInfo
  if (tiles !== undefined) {
    job.tiles = tiles
    // A tile is a large piece of work: one a task, so the farm shares them out; a still makes no video.
    job.chunk = 1
    job.encode = { settings: { ...request.encode, enabled: false }, state: 'none' }
    setFrames(job, tileIndices(tiles))
    if (request.sceneInfo === undefined) job.probe = { state: 'needed', attempts: 0 }
    return job
  }
  const frames = requestedFrames(request)
  if (frames !== undefined) setFrames(job, frames)
  if (request.sceneInfo === undefined && request.frames === undefined) job.probe = { state: 'needed', attempts: 0 }
  return job
}

/**
 * The frames a submit asks for: its frame list, else the scene's range the
 * submitter read, else undefined (a node reads the scene first). Throws
 * FrameRangeError for a list or range the farm cannot render, so a submit
 * is refused before any of its bytes are sent.
 */
export function requestedFrames (request: Pick<SubmitRequest, 'frames' | 'sceneInfo'>): number[] | undefined {
  if (request.frames !== undefined) return parseFrameList(request.frames)
  if (request.sceneInfo !== undefined) return sceneFrames(request.sceneInfo.frameStart, request.sceneInfo.frameEnd, request.sceneInfo.frameStep)
  return undefined
}

function projectSummary (ref: ProjectRef, project: ProjectManifest): NonNullable<Job['project']> {
  return { ...ref, files: project.files.length, bytes: project.files.reduce((sum, file) => sum + file.size, 0) }
}

/** What a node read of the scene. Throws TileSpecError when a tiled still's grid does not fit the scene's size. */
export function setSceneInfo (job: Job, info: SceneInfoMessage): void {
  job.sceneInfo = info
  delete job.probe
  if (job.tiles !== undefined) {
    checkTileable(job.tiles, info)
    return
  }
  if (Object.keys(job.frames).length === 0) setFrames(job, sceneFrames(info.frameStart, info.frameEnd, info.frameStep))
}

function setFrames (job: Job, frames: number[]): void {
  for (const frame of frames) job.frames[frame] = UNTOUCHED_FRAME
  framesAdded(job)
}
