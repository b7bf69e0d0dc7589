import { CoordinatorClient } from '../../client/coordinator-client.js'
import type { ClientOptions } from '../../client/coordinator-client.js'
import type { JobSummary } from '../../protocol/messages.js'
import { formatTable } from '../table.js'

export async function runJobs (flags: ClientOptions & { json: boolean }): Promise<number> {
  const client = await CoordinatorClient.connect(flags)
  try {
    const { jobs, notes } = await client.jobList()
    if (flags.json) {
      console.log(JSON.stringify(jobs, null, 2))
      // Beside the list, not in it: the JSON stays the jobs alone, for scripts.
      for (const note of notes) console.error(note)
    } else if (jobs.length === 0 && notes.length === 0) {
      console.log('no jobs')
    } else {
      console.log([formatJobs(jobs), ...notes].join('\n'))
    }
    return 0
  } finally {
    await client.close()
  }
}

/** A tiled still's grid and its stitching, for the notes under the table. */
function stillNote (still: NonNullable<JobSummary['tiles']>): string {
  const grid = `frame ${still.frame} in ${still.columns}x${still.rows} tiles`
  if (still.stitch === 'done') return `${grid}, stitched: ${still.outputPath ?? ''}`
  if (still.stitch === 'failed') return `${grid}, stitching failed: ${still.error ?? ''}`
  return `${grid}, ${still.stitch === 'waiting' ? 'stitching' : 'stitched once every tile is in'}`
}

export function formatJobs (jobs: readonly JobSummary[]): string {
  const rows = jobs.map(job => [
    job.id,
    job.name,
    job.owner?.name ?? '-',
    job.state,
    // A tiled still counts its tiles.
    `${job.framesDone}/${job.framesTotal}${job.tiles !== undefined ? ' tiles' : ''}`,
    String(job.framesFailed),
    Object.entries(job.byNode).map(([node, n]) => `${node}:${n}`).join(' ') || '-',
    job.encode !== undefined && job.encode.state !== 'none' ? job.encode.state : '-',
  ])
  const table = formatTable(['ID', 'NAME', 'OWNER', 'STATE', 'DONE', 'FAILED', 'RENDERED BY', 'VIDEO'], rows)
  const notes = jobs.flatMap(job => [
    ...(job.error !== undefined ? [`job ${job.id}: ${job.error}`] : []),
    ...(job.waitingFor !== undefined ? [`job ${job.id}: waiting: ${job.waitingFor}`] : []),
    ...Object.entries(job.blocklist).map(([node, why]) => `job ${job.id}: node ${node} blocklisted (${why})`),
    ...(job.missingFrames !== undefined && job.missingFrames.length > 0 ? [`job ${job.id}: missing ${job.tiles !== undefined ? 'tiles' : 'frames'} ${job.missingFrames.join(',')}`] : []),
    ...(job.missingFiles ?? []).map(m => `job ${job.id}: warning: submitted without ${m.stored} (${m.owner}), missing on the submitting machine`),
    ...(job.warnings ?? []).map(w => `job ${job.id}: warning: Blender on a node: ${w}`),
    // Such frames are done and count as done: without this, only --json would tell them from clean ones.
    ...(job.framesWarned !== undefined && job.framesWarned > 0 ? [`job ${job.id}: ${job.framesWarned} frame(s) rendered with Blender warnings (microfarm log ${job.id} lists them)`] : []),
    ...(job.encode?.outputPath !== undefined && job.encode.state === 'done' ? [`job ${job.id}: video ${job.encode.outputPath}`] : []),
    ...(job.encode?.error !== undefined ? [`job ${job.id}: video failed: ${job.encode.error}`] : []),
    ...(job.tiles !== undefined ? [`job ${job.id}: ${stillNote(job.tiles)}`] : []),
  ])
  return [table, ...notes].join('\n')
}
