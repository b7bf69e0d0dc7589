import { z } from 'zod'
import { jobSummary } from '../protocol/messages.js'
import type { JobSummary } from '../protocol/messages.js'
import { plainText } from '../protocol/plain-text.js'

/** The jobs a coordinator listed that this client can show, and a note for each it cannot. */
export interface JobList {
  jobs: JobSummary[]
  /** `job 3: cannot be shown (at error: Too big: …)`, one per job left out. */
  notes: string[]
}

const hasId = z.object({ id: z.string().regex(/^[0-9]{1,9}$/) })

/**
 * Checks each job on its own: one a coordinator could not describe within the
 * limits (an older one, a bug) is left out with a note, and the others are
 * still shown — a list that fails whole would fail for every user, every time.
 */
export function parseJobList (items: readonly unknown[]): JobList {
  const list: JobList = { jobs: [], notes: [] }
  for (const [index, item] of items.entries()) {
    const parsed = jobSummary.safeParse(item)
    if (parsed.success) {
      list.jobs.push(parsed.data)
      continue
    }
    const id = hasId.safeParse(item)
    const which = id.success ? `job ${id.data.id}` : `a job without an id (${index + 1} of ${items.length} in the list)`
    // Plain: a schema's message may quote what the coordinator sent.
    list.notes.push(plainText(`${which}: cannot be shown (${problem(parsed.error)})`))
  }
  return list
}

/** The first thing wrong, where it is: `at error: Too big: …`. */
function problem (error: z.ZodError): string {
  const issue = error.issues[0]
  if (issue === undefined) return 'it does not match the schema'
  return issue.path.length > 0 ? `at ${issue.path.join('.')}: ${issue.message}` : issue.message
}
