import { basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { FORMAT_EXTENSIONS } from '../blender/output-format.js'
import type { RenderFormat } from '../blender/output-format.js'
import type { Job } from '../jobs/job.js'
import { framePadding, outputFrames } from '../jobs/index.js'

// Where everything lives under the output folder. Every path is built here
// from values the coordinator owns (job ids it issued, frame numbers it
// validated): never from a name or path a peer sent.

/** A frame's file name: `frame_0001.png`. The coordinator names its files so, and a client its downloads. */
export function frameFileName (frame: number, digits: number, format: RenderFormat): string {
  return `frame_${String(frame).padStart(digits, '0')}.${FORMAT_EXTENSIONS[format]}`
}

export class OutputLayout {
  constructor (readonly root: string) {}

  get stateDir (): string { return join(this.root, '.microfarm') }
  get identityPath (): string { return join(this.stateDir, 'identity.key') }
  /** Held by the coordinator using this folder (pid and host). */
  get lockPath (): string { return join(this.stateDir, 'lock') }
  /** The highest job id ever given in this folder. */
  get lastJobIdPath (): string { return join(this.stateDir, 'last-job-id') }
  /** Which peer id owns which node name (see coordinator/node-names.ts). */
  get nodeNamesPath (): string { return join(this.stateDir, 'node-names.json') }
  /** Which nodes an admin drained or disabled, by peer id (see coordinator/node-states.ts). */
  get nodeStatesPath (): string { return join(this.stateDir, 'node-states.json') }
  /** The farm's admins by peer id (see coordinator/admins.ts). */
  get adminsPath (): string { return join(this.stateDir, 'admins.json') }
  /** Blender's output of frames that failed or warned, a file per job (see frame-logs.ts). */
  get frameLogDir (): string { return join(this.stateDir, 'logs') }
  /** Every job's files (.blend files, textures, caches, project manifests), each named by its SHA-256. */
  get contentDir (): string { return join(this.stateDir, 'content') }
  /** Where .blend files were kept before jobs carried their dependencies; moved into contentDir on start. */
  get legacyBlendDir (): string { return join(this.stateDir, 'blends') }

  contentPath (sha256: string): string { return join(this.contentDir, sha256) }
  contentTempPath (): string { return join(this.contentDir, `.upload-${randomBytes(6).toString('hex')}.part`) }

  jobDir (jobId: string): string { return join(this.root, `job_${jobId}`) }
  manifestPath (jobId: string): string { return join(this.root, `job_${jobId}_info.json`) }

  /** `digits` defaults to the job's padding; a caller naming many frames passes it once worked out. */
  frameFileName (job: Job, frame: number, digits = framePadding(outputFrames(job))): string {
    return frameFileName(frame, digits, job.format)
  }

  /** A frame the job makes (of a tiled still: the stitched still). */
  framePath (job: Job, frame: number): string { return join(this.jobDir(job.id), this.frameFileName(job, frame)) }

  /** Where a tiled still's tiles are kept: a folder of their own, so they are never listed as the job's frames. */
  tilesDir (job: Job): string { return join(this.jobDir(job.id), 'tiles') }

  /** The folder the job's uploads land in: its frames folder, or a tiled still's tiles folder. */
  unitDir (job: Job): string { return job.tiles !== undefined ? this.tilesDir(job) : this.jobDir(job.id) }

  /** What a node uploads for one of the job's records: a frame, or a tile (`frame_0012_tile_003.png`). */
  unitPath (job: Job, unit: number): string {
    if (job.tiles === undefined) return this.framePath(job, unit)
    const still = this.frameFileName(job, job.tiles.frame)
    return join(this.tilesDir(job), still.replace(/(\.[a-z]+)$/, `_tile_${String(unit).padStart(3, '0')}$1`))
  }

  /** Same folder as the frame or tile, so the final rename is atomic; dot-named so it never looks like one. */
  unitTempPath (job: Job, unit: number): string {
    return join(this.unitDir(job), `.${basename(this.unitPath(job, unit))}.${randomBytes(4).toString('hex')}.part`)
  }
}
