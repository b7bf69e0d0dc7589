import test from 'ava'
import { checkMayControl, clearable, DASHBOARD, NotYourJobError } from '../../../src/coordinator/ownership.js'
import { makeJob } from '../../helpers/job-fixtures.js'

const ann = { kind: 'peer', peerId: 'peer-ann' } as const
const bob = { kind: 'peer', peerId: 'peer-bob' } as const
const admins = new Set(['peer-admin'])

function annsJob (id = '3'): ReturnType<typeof makeJob> {
  return { ...makeJob(id), owner: { peerId: 'peer-ann', name: 'ann@studio-4' } }
}

test('what stops or removes a job is for its owner and the admins; anyone may resume or activate', (t) => {
  const job = annsJob()
  for (const action of ['cancel', 'pause', 'complete', 'retry', 'delete', 'encode'] as const) {
    t.throws(() => { checkMayControl(job, action, bob, admins) }, { instanceOf: NotYourJobError, message: 'job 3 belongs to ann@studio-4; ask them or a farm admin (microfarm admins list)' }, action)
    t.notThrows(() => { checkMayControl(job, action, ann, admins) }, action)
    t.notThrows(() => { checkMayControl(job, action, { kind: 'peer', peerId: 'peer-admin' }, admins) }, action)
    t.notThrows(() => { checkMayControl(job, action, DASHBOARD, new Set()) }, action)
  }
  t.notThrows(() => { checkMayControl(job, 'resume', bob, admins) })
  t.notThrows(() => { checkMayControl(job, 'activate', bob, admins) })
})

test('a job made on the coordinator is the admins\' to stop; clear forgets only the caller\'s own jobs unless an admin asks', (t) => {
  t.throws(() => { checkMayControl(makeJob('4'), 'cancel', bob, admins) }, { message: /job 4 was made on the coordinator; ask them or a farm admin/ })
  const jobs = [annsJob('1'), makeJob('2')]
  t.deepEqual(clearable(jobs, ann, admins).map(j => j.id), ['1'])
  t.deepEqual(clearable(jobs, bob, admins).map(j => j.id), [])
  t.deepEqual(clearable(jobs, DASHBOARD, admins).map(j => j.id), ['1', '2'])
})
