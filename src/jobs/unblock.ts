import type { Job } from './job.js'
import { frameNumbers } from './job.js'
import { forgetFailedOn } from './frame-record.js'
import { frameIndex } from './frame-index.js'

// Giving a blocklisted node another chance on one job (microfarm unblock).
// Clearing the entry alone would not do: the frames that failed on it still
// count towards its blocklist (the next failure would put it back at once)
// and still steer those frames away from it. So its failures on the job are
// forgiven too; each frame keeps its own count of failures (maxAttempts).

/** Unblocks the named nodes (all of the job's blocklist when undefined); returns the names unblocked. */
export function unblockNodes (job: Job, names?: readonly string[]): string[] {
  const unblocked = (names ?? Object.keys(job.blocklist)).filter(name => job.blocklist[name] !== undefined)
  for (const name of unblocked) {
    delete job.blocklist[name]
    // A walk over the job's frames, for an admin's command: only when the node failed some.
    if ((frameIndex(job).failedOn.get(name) ?? 0) === 0) continue
    for (const frame of frameNumbers(job)) {
      if (job.frames[frame]?.failedOn.includes(name) === true) forgetFailedOn(job, frame, name)
    }
  }
  return unblocked
}
