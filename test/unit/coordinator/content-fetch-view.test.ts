import test from 'ava'
import { jobsHolding } from '../../../src/coordinator/content-swarm.js'
import { summarizeJob } from '../../../src/coordinator/job-summary.js'
import type { ContentFetch } from '../../../src/coordinator/node-registry.js'
import { jobSummary } from '../../../src/protocol/messages.js'
import type { ProjectManifest } from '../../../src/protocol/project.js'
import { OutputLayout } from '../../../src/store/layout.js'
import { makeJob, projectManifest } from '../../helpers/job-fixtures.js'

const layout = new OutputLayout('/srv/farm')

function fetching (jobIds: string[], bytes = 120e6): ContentFetch {
  return { sha256: 'f'.repeat(64), size: 210e6, bytes, fromPeers: 80e6, bytesPerSecond: 11.4e6, peers: 3, jobIds }
}

test('jobs --json shows per node what it fetches of the job: bytes, size, rate, from peers, peers', (t) => {
  const job = makeJob('7', { frames: '1-4', chunk: 1 })
  const nodes = [
    { name: 'n1', blenderVersion: '4.2.0', fetching: fetching(['7']) },
    { name: 'n2', blenderVersion: '4.2.0', fetching: fetching(['8']) },
    { name: 'n3', blenderVersion: '4.2.0' },
  ]
  const summary = summarizeJob(job, layout, undefined, nodes)
  t.deepEqual(summary.fetching, [{ node: 'n1', bytes: 120e6, size: 210e6, bytesPerSecond: 11_400_000, fromPeers: 80e6, peers: 3 }])
  t.true(jobSummary.safeParse(summary).success)
  t.is(summarizeJob(job, layout, undefined, [{ name: 'n3', blenderVersion: '4.2.0' }]).fetching, undefined)
})

test('the jobs a content belongs to: its .blend, its manifest, or a file the manifest lists; finished jobs not', async (t) => {
  const texture = { path: 'textures/wood.png', sha256: 'c'.repeat(64), size: 9e6 }
  const manifest: ProjectManifest = projectManifest()
  manifest.files.push(texture)
  const withProject = makeJob('1', { project: { sha256: 'd'.repeat(64), size: 500 } })
  const other = makeJob('2')
  const done = makeJob('3', { project: { sha256: 'd'.repeat(64), size: 500 } })
  done.state = 'completed'
  const content = { manifest: async (ref: { sha256: string }) => ref.sha256 === 'd'.repeat(64) ? manifest : projectManifest() }
  t.deepEqual(await jobsHolding([withProject, other, done], content, texture.sha256), ['1'])
  t.deepEqual(await jobsHolding([other, done], content, other.blendSha256), ['2'])
  t.deepEqual(await jobsHolding([withProject, other, done], content, 'e'.repeat(64)), [])
})
