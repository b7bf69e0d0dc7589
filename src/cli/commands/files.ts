import { CoordinatorClient } from '../../client/coordinator-client.js'
import type { ClientOptions } from '../../client/coordinator-client.js'
import type { JobResultsListing } from '../../client/results-client.js'
import { formatBytes } from '../../util/format-bytes.js'
import { formatTable } from '../table.js'

/** `microfarm files JOB`: the job's frames and videos on the coordinator. */
export async function runFiles (jobId: string, flags: ClientOptions & { json: boolean }): Promise<number> {
  const client = await CoordinatorClient.connect(flags)
  try {
    const listing = await client.listResults(jobId)
    console.log(flags.json ? JSON.stringify(listing, null, 2) : formatFiles(listing))
    return 0
  } finally {
    await client.close()
  }
}

export function formatFiles ({ job, files }: JobResultsListing): string {
  const head = `job ${job.id} (${job.name}), ${job.state}: ${job.framesDone}/${job.framesTotal} frames done`
  if (files.length === 0) return `${head}; no files yet`
  const rows = files.map(file => [file.name, file.kind, file.frame !== undefined ? String(file.frame) : '-', formatBytes(file.size), file.mtime.replace('T', ' ').replace(/\.\d+Z$/, 'Z')])
  const count = (kind: string): number => files.filter(file => file.kind === kind).length
  const total = files.reduce((sum, file) => sum + file.size, 0)
  return [head, formatTable(['NAME', 'KIND', 'FRAME', 'SIZE', 'WRITTEN (UTC)'], rows), `${count('frame')} frame(s), ${count('video')} video(s), ${formatBytes(total)}`].join('\n')
}
