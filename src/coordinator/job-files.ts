import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { isJobVideo } from '../encode/output-path.js'
import type { Job } from '../jobs/job.js'
import type { OutputLayout } from '../store/layout.js'
import { ifExists } from '../util/if-exists.js'

export interface JobFile {
  path: string
  bytes: number
  kind: 'frame' | 'video'
}

const VIDEO = /\.(mp4|mov)$/i

/**
 * A job's files on disk: the frames in its folder, then its videos (the last
 * encode's, plus every other video of its own, by the rule that deletes them,
 * beside the frames folder: never one of a job named to look like it).
 * Temporary dot-files (uploads in flight) are not listed.
 */
export async function listJobFiles (job: Job, layout: OutputLayout): Promise<JobFile[]> {
  const dir = layout.jobDir(job.id)
  const inJobDir = (await namesIn(dir)).map(name => path.join(dir, name))
  const besideJobDir = (await namesIn(layout.root)).filter(name => isJobVideo(name, job.id, job.name)).map(name => path.join(layout.root, name))
  const candidates = new Set([...inJobDir, ...besideJobDir, ...(job.encode.outputPath !== undefined ? [job.encode.outputPath] : [])])
  const files: JobFile[] = []
  for (const file of candidates) {
    const bytes = await sizeOf(file)
    if (bytes !== undefined) files.push({ path: file, bytes, kind: VIDEO.test(file) ? 'video' : 'frame' })
  }
  return files.sort((a, b) => (a.kind === b.kind ? a.path.localeCompare(b.path) : a.kind === 'frame' ? -1 : 1))
}

async function namesIn (dir: string): Promise<string[]> {
  const entries = await ifExists(readdir(dir, { withFileTypes: true }))
  return (entries ?? []).filter(entry => entry.isFile() && !entry.name.startsWith('.')).map(entry => entry.name)
}

async function sizeOf (file: string): Promise<number | undefined> {
  const info = await ifExists(stat(file))
  return info?.isFile() === true ? info.size : undefined
}
