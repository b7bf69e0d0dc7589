import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import { JobStore } from '../../src/store/job-store.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { waitFor } from '../helpers/cli.js'

// The manifest write survives a crash at any point: a process writing manifests
// in a loop is killed with SIGKILL at random moments, and every manifest must
// then load, whole and valid.

const WRITER = fileURLToPath(new URL('../fixtures/manifest-writer.ts', import.meta.url))
const ROUNDS = 8

test('manifests written in a loop all load after kill -9 at random moments', async (t) => {
  const dir = await tempFolder(t, 'mf-crash-')
  let lastDone = 0
  for (let round = 0; round < ROUNDS; round++) {
    const child = spawn(process.execPath, ['--import=tsx', WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000)
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
    const exited = new Promise<void>(resolve => child.once('close', () => resolve()))
    await waitFor('the writer to start', () => output.includes('writing'), 30_000, 20)
    // Random moment inside the loop of writes.
    await new Promise(resolve => setTimeout(resolve, 20 + Math.random() * 400))
    child.kill('SIGKILL')
    await exited
    clearTimeout(deadline)

    const { jobs, problems } = await new JobStore(dir).loadJobs()
    t.deepEqual(problems.map(p => `${p.path}: ${p.error.message}`), [], `round ${round}`)
    t.is(jobs.length, 3, `round ${round}: every manifest loads`)
    const done = Math.min(...jobs.map(job => Object.values(job.frames).filter(f => f.state === 'done').length))
    lastDone = Math.max(lastDone, done)
  }
  t.true(lastDone > 0, 'the writer got to write frames before being killed')
})
