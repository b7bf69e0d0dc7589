import type { Job } from '../jobs/job.js'
import { countFrames, formatFrameList, frameNumbers, framesByNode } from '../jobs/index.js'
import type { JobSummary } from '../protocol/messages.js'
import type { OutputLayout } from '../store/layout.js'

/** What `microfarm jobs` (and the UI) show of a job. */
export function summarizeJob (job: Job, layout: OutputLayout, phases?: { rendering: number, uploading: number, queued: number }): JobSummary {
  const counts = countFrames(job)
  const frames = frameNumbers(job)
  const missing = job.state === 'completed' && counts.done < frames.length
    ? frames.filter(frame => job.frames[frame]?.state !== 'done')
    : undefined
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    priority: job.priority,
    framesTotal: frames.length,
    framesDone: counts.done,
    framesFailed: counts.failed,
    // Without what the nodes said (a job no node holds now): every frame handed out counts as rendering.
    framesRendering: phases?.rendering ?? counts.rendering,
    ...(phases !== undefined ? { framesQueuedOnNodes: phases.queued, framesUploading: phases.uploading } : {}),
    chunk: job.chunk,
    format: job.format,
    frameRange: frames.length > 0 ? formatFrameList(frames) : '(read from the scene)',
    createdAt: job.createdAt,
    ...(job.finishedAt !== undefined ? { finishedAt: job.finishedAt } : {}),
    ...(job.error !== undefined ? { error: job.error } : {}),
    outputDir: layout.jobDir(job.id),
    byNode: framesByNode(job),
    blocklist: job.blocklist,
    ...(missing !== undefined ? { missingFrames: missing } : {}),
    ...(job.missingFiles !== undefined ? { missingFiles: job.missingFiles } : {}),
    ...(job.warnings !== undefined ? { warnings: job.warnings } : {}),
    ...(job.project !== undefined ? { projectFiles: job.project.files, projectBytes: job.project.bytes } : {}),
    encode: {
      settings: job.encode.settings,
      state: job.encode.state,
      ...(job.encode.progress !== undefined ? { progress: job.encode.progress } : {}),
      ...(job.encode.outputPath !== undefined ? { outputPath: job.encode.outputPath } : {}),
      ...(job.encode.error !== undefined ? { error: job.encode.error } : {}),
    },
  }
}
