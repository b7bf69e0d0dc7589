import test from 'ava'
import { streamPair } from '@libp2p/utils'
import { CoordinatorClient } from '../../../src/client/coordinator-client.js'
import { summarizeJob } from '../../../src/coordinator/job-summary.js'
import { MessageChannel } from '../../../src/protocol/framing.js'
import { adminRequest } from '../../../src/protocol/messages.js'
import type { AdminRequest } from '../../../src/protocol/messages.js'
import { OutputLayout } from '../../../src/store/layout.js'
import { makeJob } from '../../helpers/job-fixtures.js'

// One job a coordinator cannot describe within the limits (an older
// coordinator, a bug) must not hide the others from every user.

const layout = new OutputLayout('/srv/farm')

/** A client whose coordinator answers every admin request with `reply`, as it is, unchecked. */
function clientAnswered (reply: unknown): CoordinatorClient {
  return CoordinatorClient.over(async () => {
    const [outbound, inbound] = await streamPair()
    const channel = new MessageChannel<AdminRequest, unknown>(inbound)
    void (async () => {
      await channel.read(adminRequest)
      await channel.write(reply)
      await inbound.close()
    })().catch((err: unknown) => { inbound.abort(err instanceof Error ? err : new Error(String(err))) })
    return outbound
  })
}

test('a job that does not parse is left out with a note; the others are listed', async (t) => {
  const good = summarizeJob(makeJob('1'), layout)
  const bad = { ...summarizeJob(makeJob('2'), layout), error: 'x'.repeat(4001) }
  const alsoGood = summarizeJob(makeJob('3'), layout)
  const client = clientAnswered({ type: 'jobs', jobs: [good, bad, alsoGood] })
  const list = await client.jobList()
  t.deepEqual(list.jobs.map(job => job.id), ['1', '3'])
  t.deepEqual(list.notes, ['job 2: cannot be shown (at error: Too big: expected string to have <=4000 characters)'])
})

test('a job without even an id is named by its place in the list', async (t) => {
  const client = clientAnswered({ type: 'jobs', jobs: [{ name: 'no id' }, summarizeJob(makeJob('4'), layout)] })
  const list = await client.jobList()
  t.deepEqual(list.jobs.map(job => job.id), ['4'])
  t.is(list.notes.length, 1)
  t.regex(list.notes[0] ?? '', /^a job without an id \(1 of 2 in the list\): cannot be shown \(at id: /)
})

test('an answer to a control whose job does not parse still says what was done', async (t) => {
  const bad = { ...summarizeJob(makeJob('2'), layout), frameRange: 'x'.repeat(10_001) }
  const client = clientAnswered({ type: 'done', message: 'job 2 cancelled', job: bad })
  const answer = await client.jobAction({ type: 'job-action', action: 'cancel', jobId: '2' })
  t.is(answer.message, 'job 2 cancelled')
  t.is(answer.job, undefined)
  t.deepEqual(answer.notes, ['job 2: cannot be shown (at frameRange: Too big: expected string to have <=10000 characters)'])
})
