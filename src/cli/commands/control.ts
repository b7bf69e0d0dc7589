import { CoordinatorClient } from '../../client/coordinator-client.js'
import type { ClientOptions } from '../../client/coordinator-client.js'
import type { EncodeSettingsMessage, JobAction } from '../../protocol/messages.js'

export class ConfirmationNeededError extends Error {
  override name = 'ConfirmationNeededError'
}

/** cancel, pause, resume, activate, complete, retry, delete, encode: one job, one line of what changed. */
export async function runControl (action: JobAction, jobId: string, flags: ClientOptions & { yes?: boolean, encode?: Partial<EncodeSettingsMessage> }): Promise<number> {
  if (!/^[0-9]{1,9}$/.test(jobId)) throw new Error(`"${jobId}" is not a job id; microfarm jobs lists them`)
  if (action === 'delete' && flags.yes !== true) {
    throw new ConfirmationNeededError(`delete removes job ${jobId} with all its rendered frames; run again with --yes to confirm`)
  }
  const client = await CoordinatorClient.connect(flags)
  try {
    const { message, job, notes } = await client.jobAction({ type: 'job-action', action, jobId, ...(flags.encode !== undefined ? { encode: flags.encode } : {}) })
    console.log(message)
    for (const note of notes) console.error(note)
    if (action === 'complete' && job?.missingFrames !== undefined && job.missingFrames.length > 0) {
      console.log(`missing frames: ${job.missingFrames.join(',')}`)
    }
    return 0
  } finally {
    await client.close()
  }
}

/** `microfarm admins list | add WHO | remove WHO`. */
export async function runAdmins (action: 'list' | 'add' | 'remove', who: string | undefined, flags: ClientOptions): Promise<number> {
  const client = await CoordinatorClient.connect(flags)
  try {
    console.log(await client.admins(action, who))
    return 0
  } finally {
    await client.close()
  }
}

export async function runClear (flags: ClientOptions): Promise<number> {
  const client = await CoordinatorClient.connect(flags)
  try {
    console.log(await client.clearJobs())
    return 0
  } finally {
    await client.close()
  }
}
