import type { EncodeSettingsMessage, JobAction, JobSummary } from '../protocol/messages.js'
import type { JobStore } from '../store/job-store.js'
import type { Farm } from './farm.js'
import { summarizeJob } from './job-summary.js'
import type { Job } from '../jobs/job.js'

/** Starts an encode of a job's frames in the background; resolves once it is queued. */
export interface JobEncoder {
  encode: (job: Job, overrides?: Partial<EncodeSettingsMessage>) => Promise<string>
}

export class ApiError extends Error {
  override name = 'ApiError'
}

/**
 * The one API for every job control: the CLI (through the admin protocol) and
 * the terminal UI both call this, so they cannot drift apart.
 */
export class CoordinatorApi {
  constructor (private readonly farm: Farm, private readonly store: JobStore, private readonly encoder?: JobEncoder) {}

  listJobs (): JobSummary[] {
    return [...this.farm.jobs.values()]
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map(job => summarizeJob(job, this.store.layout))
  }

  async jobAction (jobId: string, action: JobAction, encode?: Partial<EncodeSettingsMessage>): Promise<string> {
    switch (action) {
      case 'delete':
        return this.farm.deleteJob(jobId)
      case 'encode': {
        if (this.encoder === undefined) throw new ApiError('this coordinator cannot encode videos')
        return this.encoder.encode(this.farm.job(jobId), encode)
      }
      default:
        return this.farm.control(jobId, action)
    }
  }

  async clearCompleted (): Promise<string> {
    return this.farm.clearCompleted()
  }
}
