import { frameIndex } from './frame-index.js'
import type { JobOwner } from './types.js'
import type { EncodeSettingsMessage, MissingDependency, ProjectRef, RenderFormatName, SceneInfoMessage } from './types.js'

export type JobState = 'queued' | 'active' | 'paused' | 'completed' | 'cancelled' | 'failed'
export type FrameState = 'pending' | 'rendering' | 'done' | 'failed'

export interface FrameRecord {
  state: FrameState
  /** Render attempts started, including the one in flight. */
  attempts: number
  /** Attempts that failed in Blender (a node dropping out is not a failure). */
  failures: number
  /** Names of nodes on which this frame failed: it is tried elsewhere first. */
  failedOn: string[]
  /** While rendering: the node's peer id and the task it belongs to. */
  nodeId?: string
  taskId?: string
  /** A second copy rendering on another node at the tail of a job (the first complete copy wins). */
  backupNodeId?: string
  backupTaskId?: string
  /** The peer id of the node it was last handed to (kept when it goes back in line): that node may still deliver it. */
  lastNodeId?: string
  /** Name of the node that rendered it (done) or last tried it. */
  node?: string
  error?: string
  doneAt?: string
}

export interface EncodeStatus {
  settings: EncodeSettingsMessage
  state: 'none' | 'waiting' | 'encoding' | 'done' | 'failed'
  progress?: number
  outputPath?: string
  error?: string
}

/**
 * One still rendered by the farm in tiles (submit --tiles): the job's frame
 * records are then its tiles, keyed by tile index, and scheduled like frames;
 * the coordinator stitches them into the still once all are in.
 */
export interface TiledStill {
  /** The still's frame number. */
  frame: number
  columns: number
  rows: number
  /** Pixels each tile renders past its core on every inner side (cropped when stitched). */
  overscan: number
  /** Putting the tiles together: none yet, waiting (for the stitcher, or after a restart), done, failed. */
  stitch: 'none' | 'waiting' | 'done' | 'failed'
  /** The stitched still, once done. */
  outputPath?: string
  error?: string
}

export interface Job {
  id: string
  name: string
  /** Who submitted it; absent on jobs from before jobs had owners. */
  owner?: JobOwner
  /** The main .blend's content. */
  blendSha256: string
  blendSize: number
  /** Every file the job carries (the .blend included); absent on jobs made before jobs carried their files. */
  project?: ProjectRef & { files: number, bytes: number }
  /** Files the scene needs that the submitting machine did not have (submitted with --allow-missing). */
  missingFiles?: MissingDependency[]
  /** What Blender said on the nodes while loading the scene: a library it could not open, … */
  warnings?: string[]
  /** Frames that rendered while Blender warned (a file it could not load, a fallback); their lines are in the job's frame log. */
  framesWarned?: number
  /** Major.minor of the Blender that saved the .blend ("4.2", from its header): older Blenders do not take the job. */
  blendVersion?: string
  /** The submitting machine's Blender ("4.2.3"), for people. */
  submitterBlender?: string
  /** submit --blender-version, as typed (see blender-rules.ts). */
  blenderVersion?: string
  /** submit --require: GPU or CPU nodes only. */
  require?: 'gpu' | 'cpu'
  format: RenderFormatName
  chunk: number
  priority: number
  /** What the user asked for; undefined = the scene's own range. */
  frameSpec?: string
  state: JobState
  createdAt: string
  startedAt?: string
  finishedAt?: string
  error?: string
  sceneInfo?: SceneInfoMessage
  /** Reading the scene's range on a node, when the submitter could not. */
  probe?: { state: 'needed' | 'running' | 'failed'; nodeId?: string; taskId?: string; attempts: number }
  /** Keyed by frame number. Empty until the frame range is known. */
  frames: Record<string, FrameRecord>
  /** Node name → why it may no longer render this job. */
  blocklist: Record<string, string>
  encode: EncodeStatus
  /** A tiled still: `frames` holds its tiles (see TiledStill). */
  tiles?: TiledStill
}

/** Read-only all the way down, for views. */
export type DeepReadonly<T> = T extends (infer E)[] ? ReadonlyArray<DeepReadonly<E>> : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T

/**
 * A job as views (the dashboard) see it: the farm's own object, read-only
 * to the type checker, so a view cannot change a job behind the farm's
 * back. Read within one synchronous draw, it cannot change under the view
 * either; copying a job of 100 000 frames for each redraw would cost more.
 */
export type JobView = DeepReadonly<Job>
export type FrameRecordView = DeepReadonly<FrameRecord>

/** What a task tells a node about the scene to render: the .blend and the project it lies in. */
export function taskScene (job: Job): { blendSha256: string, blendSize: number, project?: ProjectRef } {
  return {
    blendSha256: job.blendSha256,
    blendSize: job.blendSize,
    ...(job.project !== undefined ? { project: { sha256: job.project.sha256, size: job.project.size } } : {}),
  }
}

/** The job's frame numbers in ascending order (kept by its index, not sorted per call). */
export function frameNumbers (job: JobView): readonly number[] {
  return frameIndex(job).order
}

export function framesIn (job: JobView, state: FrameState): number[] {
  return frameNumbers(job).filter(frame => job.frames[frame]?.state === state)
}

export function countFrames (job: JobView): Record<FrameState, number> {
  return { ...frameIndex(job).counts }
}

/** Frames done by each node (by name). */
export function framesByNode (job: JobView): Record<string, number> {
  return Object.fromEntries(frameIndex(job).doneBy)
}

export function isFinished (state: JobState): boolean {
  return state === 'completed' || state === 'cancelled' || state === 'failed'
}
