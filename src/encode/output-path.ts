import path from 'node:path'
import { codecSchema, qualitySchema, videoExtension } from './settings.js'
import type { Codec, Mp4Location, Quality } from './settings.js'

/**
 * Where a job's video goes:
 *   parent → OUTPUT/job_<id>_render.mp4
 *   frames → OUTPUT/job_<id>/job_<id>_render.mp4
 *   root   → OUTPUT/<sanitised job name>_job<id>.mp4 (the id keeps two jobs of one scene apart)
 * `.mov` instead of `.mp4` for ProRes. A suffix (see `reencodeSuffix`) is
 * appended to the base name before the extension, so a re-encode with other
 * settings gets a new file: job_1_render_h265_medium.mp4.
 */
export function videoPath (o: {
  outputRoot: string
  jobId: string
  jobName: string
  codec: Codec
  location: Mp4Location
  suffix?: string
}): string {
  const id = safeBaseName(o.jobId, 'job')
  const suffix = o.suffix != null && o.suffix !== '' ? `_${safeBaseName(o.suffix, '')}` : ''
  const ext = videoExtension(o.codec)
  switch (o.location) {
    case 'parent':
      return path.join(o.outputRoot, `job_${id}_render${suffix}${ext}`)
    case 'frames':
      return path.join(o.outputRoot, `job_${id}`, `job_${id}_render${suffix}${ext}`)
    case 'root':
      return path.join(o.outputRoot, `${jobNameBase(o.jobName, id)}${suffix}${ext}`)
  }
}

/**
 * `_<codec>_<quality>`, then `_<fps>fps` (digits, `p` for the point, an
 * exponent) when the rate was overridden. No base name ends like this (they
 * end in `_render` or `_job<id>`), so stripping it is unambiguous.
 */
const REENCODE_SUFFIX = new RegExp(`_(${codecSchema.options.join('|')})_(${qualitySchema.options.join('|')})(_[0-9pe+-]+fps)?$`)

/**
 * Whether `fileName` (a name in the output root or the job's folder) is one of
 * this job's videos, whatever its settings. Exact, not a prefix: another job's
 * .blend may be named after this job's video (`job_1_render.blend` makes job
 * 2's `job_1_render_job2.mp4`), so only a re-encode suffix as
 * `reencodeSuffix` writes it may follow the job's own base name.
 */
export function isJobVideo (fileName: string, jobId: string, jobName: string): boolean {
  const base = /^(.*)\.(mp4|mov)$/.exec(fileName)?.[1]
  if (base === undefined) return false
  const id = safeBaseName(jobId, 'job')
  const own = base.replace(REENCODE_SUFFIX, '')
  return own === `job_${id}_render` || own === jobNameBase(jobName, id)
}

/** The suffix for an on-demand re-encode: `<codec>_<quality>`, plus `_<fps>fps` when the rate was overridden. */
export function reencodeSuffix (o: { codec: Codec; quality: Quality; fps?: number }): string {
  const fps = o.fps != null ? `_${String(o.fps).replace('.', 'p')}fps` : ''
  return `${o.codec}_${o.quality}${fps}`
}

/**
 * The job name was typed on another machine (it comes from a .blend file
 * name), so it may hold separators, `..`, control characters or a Windows
 * device name: keep only a harmless basename.
 */
export function sanitiseJobName (name: string): string {
  return safeBaseName(name.replace(/\.blend\d*$/i, ''), '')
}

function jobNameBase (jobName: string, id: string): string {
  const name = sanitiseJobName(jobName)
  return name !== '' ? `${name}_job${id}` : `job_${id}_render`
}

const RESERVED_WINDOWS_NAMES = /^(con|prn|aux|nul|com\d|lpt\d)$/i

function safeBaseName (raw: string, fallback: string): string {
  const cleaned = raw
    .normalize('NFC')
    // Separators of every platform, control characters and characters Windows refuses.
    .replace(/[/\\:*?"<>|\p{Cc}]+/gu, '_')
    .replace(/\s+/g, ' ')
    .slice(0, 120)
    // Leading dots would make `..` or a hidden file; trailing dots and spaces vanish on Windows.
    .replace(/^[.\s]+|[.\s]+$/g, '')
  if (cleaned === '') return fallback
  // Windows reserves CON, NUL, … whatever extension follows.
  return RESERVED_WINDOWS_NAMES.test(cleaned.split('.')[0] ?? '') ? `_${cleaned}` : cleaned
}
