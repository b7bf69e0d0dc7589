import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { coordinatorAddress, readJobManifest, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import type { Job } from '../../src/jobs/job.js'
import { freePort } from '../helpers/free-port.js'
import { killMatching } from '../helpers/processes.js'
import { tempFolder } from '../helpers/temp-folder.js'

// Nodes and the coordinator die with kill -9 in the middle of a job; the job
// still completes with every frame exactly once, and nothing finished is lost.

async function manifestFrames (out: string, jobId: string): Promise<Job['frames']> {
  return (await readJobManifest(out, jobId)).frames
}

blenderTest('kill -9 of a node in the middle of a chunk: the others finish it, every frame once', async (t) => {
  const dir = await tempFolder(t, 'mf-killnode-')
  const out = path.join(dir, 'out')
  // Slow enough frames that the kill lands mid-chunk.
  const scene = await makeScene(dir, { frames: 6, width: 320, height: 180, samples: 64 })
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const work = { doomed: path.join(dir, 'work-doomed'), steady: path.join(dir, 'work-steady') }
  t.teardown(async () => { await killMatching(work.doomed) })
  const doomed = startCli(t, ['node', '--name', 'doomed', '--coordinator', address, '--work-dir', work.doomed])
  await waitFor('doomed to join', () => coordinator.output().includes('node joined: doomed'))

  const submit = await runCli(['submit', scene, '--chunk', '3', '--no-encode', '--coordinator', address])
  t.is(submit.code, 0, submit.stderr)
  await waitFor('doomed to start its chunk', () => /rendering frame\(s\) 1,2,3/.test(doomed.output()))
  const steady = startCli(t, ['node', '--name', 'steady', '--coordinator', address, '--work-dir', work.steady])
  await waitFor('steady to join', () => coordinator.output().includes('node joined: steady'))
  doomed.child.kill('SIGKILL')
  await killMatching(work.doomed)

  await waitFor('the coordinator to notice', () => /node left: doomed/.test(coordinator.output()))
  const job = await waitForJob(address, '1', 'completed', j => j.state === 'completed')
  t.is(job.framesDone, 6)
  t.deepEqual((await readdir(path.join(out, 'job_1'))).filter(f => !f.startsWith('.')).sort(),
    [1, 2, 3, 4, 5, 6].map(n => `frame_000${n}.png`))
  const frames = await manifestFrames(out, '1')
  t.true(Object.values(frames).every(f => f.state === 'done'))
  t.true(steady.output().includes('delivered'), 'steady rendered the frames doomed left')
  // Each frame counted once: the log has exactly one "frame N done" per frame.
  for (let frame = 1; frame <= 6; frame++) {
    t.is(coordinator.output().match(new RegExp(`frame ${frame} done by`, 'g'))?.length, 1, `frame ${frame}`)
  }
})

blenderTest('kill -9 of the coordinator mid-job: it resumes on restart and renders nothing twice', async (t) => {
  const dir = await tempFolder(t, 'mf-killcoord-')
  const out = path.join(dir, 'out')
  const scene = await makeScene(dir, { frames: 8, width: 320, height: 180, samples: 64 })
  const port = await freePort()
  const args = ['coordinator', '--output-dir', out, '--port', String(port), '--no-advertise', '--no-tui']
  const first = startCli(t, args)
  const address = await coordinatorAddress(first)
  startCli(t, ['node', '--name', 'survivor', '--coordinator', address, '--work-dir', path.join(dir, 'work')])
  await waitFor('the node to join', () => first.output().includes('node joined: survivor'))
  t.is((await runCli(['submit', scene, '--no-encode', '--coordinator', address])).code, 0)

  await waitForJob(address, '1', '3 frames done', j => j.framesDone >= 3)
  first.child.kill('SIGKILL')
  await first.exited
  // The frames on disk are the truth after a kill -9: the manifest may lag them by a moment (frame
  // changes are written within 250 ms), and the restarted coordinator counts the files it finds.
  const before = (await readdir(path.join(out, 'job_1'))).flatMap(name => /^frame_(\d+)\.png$/.exec(name)?.[1] ?? []).map(Number)
  t.true(before.length >= 3)
  const mtimes = new Map<number, number>()
  for (const frame of before) mtimes.set(frame, (await stat(path.join(out, 'job_1', `frame_${String(frame).padStart(4, '0')}.png`))).mtimeMs)

  const second = startCli(t, args)
  t.is(await coordinatorAddress(second), address, 'same peer id and port after the restart')
  await waitFor('the node to come back', () => second.output().includes('node joined: survivor'), 30_000)
  const job = await waitForJob(address, '1', 'completed', j => j.state === 'completed')
  t.is(job.framesDone, 8)

  // The manifest is written just after the state changes: read it once it says so.
  const after = (await waitFor('the manifest to say completed', async () => {
    const manifest = await readJobManifest(out, '1')
    return manifest.state === 'completed' ? manifest : undefined
  })).frames
  for (const frame of before) {
    // Handed out once (its assignment may not have reached the manifest before the kill).
    t.true((after[frame]?.attempts ?? 0) <= 1, `frame ${frame} was rendered once`)
    t.is(after[frame]?.state, 'done')
    const mtime = (await stat(path.join(out, 'job_1', `frame_${String(frame).padStart(4, '0')}.png`))).mtimeMs
    t.is<number | undefined, number | undefined>(mtime, mtimes.get(frame), `frame ${frame}'s file was not written again`)
  }
  t.true(Object.values(after).every(f => f.state === 'done'))
})

blenderTest('a scene Blender cannot render fails after the allowed attempts, with Blender\'s message', async (t) => {
  const dir = await tempFolder(t, 'mf-nocam-')
  const out = path.join(dir, 'out')
  const scene = await makeScene(dir, { frames: 2, camera: false })
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  startCli(t, ['node', '--name', 'one', '--coordinator', address, '--work-dir', path.join(dir, 'w1')])
  startCli(t, ['node', '--name', 'two', '--coordinator', address, '--work-dir', path.join(dir, 'w2')])
  await waitFor('both nodes', () => coordinator.output().includes('node joined: one') && coordinator.output().includes('node joined: two'))

  const submit = await runCli(['submit', scene, '--no-encode', '--wait', '--coordinator', address], { timeoutMs: 150_000 })
  t.not(submit.code, 0)
  t.regex(submit.stdout, /no active camera/)
  t.regex(submit.stderr, /job 1 failed: .*Cannot render, no camera/)

  const jobs = await runCli(['jobs', '--coordinator', address])
  t.regex(jobs.stdout, /job 1: .*Cannot render, no camera/)
  const manifest = await readJobManifest(out, '1')
  t.is(manifest.state, 'failed')
  t.regex(manifest.error ?? '', /Cannot render, no camera/)
  for (const frame of Object.values(manifest.frames)) {
    t.is(frame.state, 'failed')
    t.is(frame.failures, 3)
  }
})
