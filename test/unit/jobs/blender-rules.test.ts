import test from 'ava'
import {
  allowedVersions, checkRequirements, describeRequirements, parseVersion, parseVersionRange, refusal, VersionRuleError, whyNobodyMayRender,
} from '../../../src/jobs/blender-rules.js'
import type { NodeFacts } from '../../../src/jobs/blender-rules.js'
import { pickTask } from '../../../src/jobs/scheduler.js'
import type { NodeRef } from '../../../src/jobs/scheduler.js'
import { pickBackup } from '../../../src/jobs/backup.js'
import { at, makeJob } from '../../helpers/job-fixtures.js'

const node = (blenderVersion: string, device?: string, name = `n${blenderVersion}`): NodeFacts => ({ name, blenderVersion, ...(device !== undefined ? { device } : {}) })

test('versions as Blender prints them and as headers give them', (t) => {
  t.deepEqual(parseVersion('3.4.1'), { major: 3, minor: 4, patch: 1 })
  t.deepEqual(parseVersion('4.2'), { major: 4, minor: 2 })
  t.deepEqual(parseVersion('4.2.3 LTS'), { major: 4, minor: 2, patch: 3 })
  t.deepEqual(parseVersion('5.0.0 Alpha'), { major: 5, minor: 0, patch: 0 })
  t.is(parseVersion('four'), undefined)
  t.is(parseVersion(''), undefined)
})

test('--blender-version: a series, a range, a lower or upper bound; anything else says what is accepted', (t) => {
  t.deepEqual(parseVersionRange('4.2'), { min: { major: 4, minor: 2 }, max: { major: 4, minor: 2 } })
  t.deepEqual(parseVersionRange('4.2-4.5'), { min: { major: 4, minor: 2 }, max: { major: 4, minor: 5 } })
  t.deepEqual(parseVersionRange('>=4.2'), { min: { major: 4, minor: 2 } })
  t.deepEqual(parseVersionRange('<= 4.5'), { max: { major: 4, minor: 5 } })
  t.deepEqual(parseVersionRange('4.2.1'), { min: { major: 4, minor: 2, patch: 1 }, max: { major: 4, minor: 2, patch: 1 } })
  for (const bad of ['', 'latest', '4', '>4.2', '4.2-', '4.2-4.3-4.4', '4.x']) {
    t.throws(() => parseVersionRange(bad), { instanceOf: VersionRuleError, message: /expected a version like 4\.2/ }, bad)
  }
  t.throws(() => parseVersionRange('4.5-4.2'), { instanceOf: VersionRuleError, message: /the range is empty \(4\.5 is after 4\.2\)/ })
})

test('by default a node older than the Blender that saved the file does not take it; the same series or newer does', (t) => {
  const job = { blendVersion: '4.2' }
  t.is(refusal(job, node('4.1.1')), 'it has Blender 4.1.1')
  t.is(refusal(job, node('3.4.1')), 'it has Blender 3.4.1')
  t.is(refusal(job, node('4.2.0')), undefined)
  t.is(refusal(job, node('4.2.9')), undefined)
  t.is(refusal(job, node('5.0.1')), undefined)
  t.is(refusal({}, node('2.79')), undefined, 'a job that asks nothing suits every node')
})

test('--blender-version narrows what the file allows, and never widens it below the saving version', (t) => {
  t.is(refusal({ blendVersion: '3.4', blenderVersion: '4.2' }, node('4.3.0')), 'it has Blender 4.3.0')
  t.is(refusal({ blendVersion: '3.4', blenderVersion: '4.2' }, node('4.2.5')), undefined)
  t.is(refusal({ blendVersion: '3.4', blenderVersion: '4.2-4.5' }, node('4.5.3')), undefined, 'an upper bound without patch takes the whole series')
  t.is(refusal({ blendVersion: '3.4', blenderVersion: '4.2-4.5' }, node('4.6.0')), 'it has Blender 4.6.0')
  t.is(refusal({ blendVersion: '4.2', blenderVersion: '<=4.5' }, node('4.1.0')), 'it has Blender 4.1.0')
  t.deepEqual(allowedVersions({ blendVersion: '4.4', blenderVersion: '>=4.2' }), { min: { major: 4, minor: 4 } })
  t.is(refusal({ blenderVersion: '>=4.2.1' }, node('4.2.0')), 'it has Blender 4.2.0')
  t.is(refusal({ blenderVersion: '>=4.2' }, node('a custom build')), 'its Blender version "a custom build" is not one MicroFarm can compare')
})

test('a constraint no Blender able to read the file meets is refused at submit', (t) => {
  t.throws(() => checkRequirements({ blendVersion: '4.2', blenderVersion: '3.6' }), { instanceOf: VersionRuleError, message: /saved by Blender 4\.2/ })
  t.throws(() => checkRequirements({ blenderVersion: 'new' }), { instanceOf: VersionRuleError })
  t.notThrows(() => checkRequirements({ blendVersion: '4.2', blenderVersion: '4.2' }))
  t.notThrows(() => checkRequirements({}))
})

test('--require gpu takes GPU nodes only, --require cpu CPU nodes only; a node that says no device renders on the CPU', (t) => {
  t.is(refusal({ require: 'gpu' }, node('4.2.0', 'OPTIX')), undefined)
  t.is(refusal({ require: 'gpu' }, node('4.2.0', 'CPU')), 'it renders on the CPU')
  t.is(refusal({ require: 'gpu' }, node('4.2.0')), 'it renders on the CPU')
  t.is(refusal({ require: 'cpu' }, node('4.2.0', 'CUDA')), 'it renders on CUDA')
  t.is(refusal({ require: 'cpu' }, node('4.2.0')), undefined)
})

test('what a job needs, for people', (t) => {
  t.is(describeRequirements({ blendVersion: '4.2' }), 'Blender ≥ 4.2')
  t.is(describeRequirements({ blenderVersion: '4.2' }), 'Blender 4.2')
  t.is(describeRequirements({ blendVersion: '3.4', blenderVersion: '4.2-4.5' }), 'Blender 4.2–4.5')
  t.is(describeRequirements({ blenderVersion: '<=4.5' }), 'Blender ≤ 4.5')
  t.is(describeRequirements({ blendVersion: '4.2', require: 'gpu' }), 'Blender ≥ 4.2 on a GPU')
  t.is(describeRequirements({}), undefined)
})

test('a job nobody online may render says why; one node that may is enough', (t) => {
  const job = { blendVersion: '4.2' }
  t.is(whyNobodyMayRender(job, [node('3.4.1', undefined, 'vm')]), 'needs Blender ≥ 4.2: no node has it (vm: it has Blender 3.4.1)')
  t.is(whyNobodyMayRender(job, []), 'needs Blender ≥ 4.2: no node online')
  t.is(whyNobodyMayRender(job, [node('3.4.1'), node('4.2.1')]), undefined)
  t.is(whyNobodyMayRender({}, []), undefined, 'a job that asks nothing waits for no particular node')
  const many = ['3.0.0', '3.1.0', '3.2.0', '3.3.0', '3.4.0'].map(v => node(v))
  t.regex(whyNobodyMayRender(job, many) ?? '', /; 2 more\)$/)
})

const vm: NodeRef = { id: 'peer-vm', name: 'vm', blenderVersion: '3.4.1' }
const studio: NodeRef = { id: 'peer-studio', name: 'studio', blenderVersion: '4.2.3', device: 'OPTIX' }

test('the scheduler gives a job only to nodes its rules allow, and passes it by for other work', (t) => {
  const newer = makeJob('1', { frames: '1-3', priority: 5, blendVersion: '4.2' })
  const older = makeJob('2', { frames: '1-2', blendVersion: '3.4' })
  const first = pickTask([newer, older], vm, [vm, studio], 't1', at(1))
  t.like(first, { jobId: '2' }, 'the 3.4 node skips the 4.2 job, however urgent, and takes the other')
  t.like(pickTask([newer, older], studio, [vm, studio], 't2', at(1)), { jobId: '1' })
  t.is(pickTask([newer], vm, [vm], 't3', at(1)), undefined)
  t.is(newer.frames[3]?.state, 'pending')
})

test('a probe (reading the scene on a node) and --require go by the same rules', (t) => {
  const probe = makeJob('1', { frames: undefined, blendVersion: '4.2' })
  t.is(probe.probe?.state, 'needed')
  t.is(pickTask([probe], vm, [vm], 't1', at(1)), undefined)
  t.like(pickTask([probe], studio, [vm, studio], 't2', at(1)), { kind: 'probe', jobId: '1' })
  const gpu = makeJob('2', { frames: '1', require: 'gpu' })
  t.is(pickTask([gpu], { ...studio, device: 'CPU', id: 'peer-cpu', name: 'cpu' }, [], 't3', at(1)), undefined)
  t.like(pickTask([gpu], studio, [], 't4', at(1)), { jobId: '2' })
})

test('a backup copy goes only to a node that may render the job', (t) => {
  const job = makeJob('1', { frames: '1', blendVersion: '4.2' })
  pickTask([job], studio, [studio], 't1', at(1))
  const estimates = { now: 10_000, expectedFinish: () => 1_000_000, frameMsOnThisNode: 1000 }
  t.is(pickBackup([job], vm, 't2', estimates), undefined)
  t.like(pickBackup([job], { ...studio, id: 'peer-studio-2', name: 'studio-2' }, 't3', estimates), { jobId: '1', frames: [1] })
})
