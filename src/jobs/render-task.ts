import type { RenderTask } from '../protocol/messages.js'
import type { Job } from './job.js'
import { taskScene } from './job.js'
import { tileBorders } from './tiled-still.js'

/** The task that renders these frames of the job (of a tiled still: these tiles, each with its border). */
export function renderTaskFor (job: Job, frames: number[], taskId: string): RenderTask {
  return {
    kind: 'render',
    taskId,
    jobId: job.id,
    ...taskScene(job),
    format: job.format,
    frames,
    ...(job.tiles !== undefined ? { tiles: { frame: job.tiles.frame, borders: tileBorders(job, frames) } } : {}),
  }
}
