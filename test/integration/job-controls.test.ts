import { readdir } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { coordinatorAddress, jobsJson, readJobManifest, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import type { Job } from '../../src/jobs/job.js'
import { childPids } from '../helpers/processes.js'
import { probeVideo } from '../helpers/ffprobe.js'
import { tempFolder } from '../helpers/temp-folder.js'

// The job controls, as a user types them, against a real coordinator and node.

interface Farm { address: string, out: string, work: string, scene: string, coordinatorLog: () => string, nodePid: number }

async function farm (t: ExecutionContext, frames: number): Promise<Farm> {
  const dir = await tempFolder(t, 'mf-controls-')
  const out = path.join(dir, 'out')
  const work = path.join(dir, 'work')
  // About a second a frame: time to act in the middle of a job.
  const scene = await makeScene(dir, { frames, width: 320, height: 180, samples: 64 })
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const node = startCli(t, ['node', '--name', 'worker', '--coordinator', address, '--work-dir', work])
  await waitFor('the node to join', () => coordinator.output().includes('node joined: worker'))
  return { address, out, work, scene, coordinatorLog: coordinator.output, nodePid: node.child.pid ?? 0 }
}

async function control (f: Farm, ...args: string[]): Promise<string> {
  const result = await runCli([...args, '--coordinator', f.address])
  if (result.code !== 0) throw new Error(`microfarm ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout
}

async function frameFiles (f: Farm, jobId: string): Promise<string[]> {
  return (await readdir(path.join(f.out, `job_${jobId}`))).filter(name => /^frame_\d+\.png$/.test(name)).sort()
}

async function manifest (f: Farm, jobId: string): Promise<Job> {
  return readJobManifest(f.out, jobId)
}

/** The Blender processes the node started (its children), loaded with the job's scene or warm. */
async function blenders (f: Farm): Promise<number[]> {
  return childPids(f.nodePid)
}

/**
 * The Blender that was rendering the job must be gone within 2 s of the
 * coordinator taking the control (timed from the CLI's answer: starting the
 * CLI itself is not part of reaching the nodes). The node may start a fresh,
 * empty Blender for its next job right away: that one has another pid.
 */
async function blenderStopsWithin2s (t: ExecutionContext, rendering: number[], started: number): Promise<void> {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  await waitFor('Blender to stop', () => rendering.every(pid => !alive(pid)), 5000, 50)
  t.true(Date.now() - started <= 2000, `Blender stopped after ${Date.now() - started} ms`)
}

blenderTest('pause stops Blender at once, nothing renders while paused, resume finishes the job', async (t) => {
  const f = await farm(t, 8)
  t.is((await runCli(['submit', f.scene, '--no-encode', '--coordinator', f.address])).code, 0)
  await waitForJob(f.address, '1', 'a frame done', j => j.framesDone >= 1)
  const rendering = await waitFor('Blender rendering', async () => { const pids = await blenders(f); return pids.length > 0 ? pids : undefined }, 30_000, 50)
  t.regex(await control(f, 'pause', '1'), /job 1 paused/)
  const started = Date.now()
  await blenderStopsWithin2s(t, rendering, started)

  const paused = (await jobsJson(f.address))[0]
  t.is(paused?.state, 'paused')
  // Watch for a while: a paused job makes no progress.
  const deadline = Date.now() + 3000
  while (Date.now() < deadline) {
    t.is((await jobsJson(f.address))[0]?.framesDone, paused?.framesDone)
  }
  t.is<number | undefined, number | undefined>((await frameFiles(f, '1')).length, paused?.framesDone)
  t.true(Object.values((await manifest(f, '1')).frames).every(fr => fr.state !== 'rendering'))

  const resume = await runCli(['resume', '1', '--coordinator', f.address])
  t.regex(resume.stdout, /job 1 resumed/)
  const again = await runCli(['resume', '1', '--coordinator', f.address])
  t.not(again.code, 0, 'resuming an active job is an error')
  t.regex(again.stderr, /cannot resume job 1: it is (active|queued)/)
  await waitForJob(f.address, '1', 'completed', j => j.state === 'completed')
  t.is((await frameFiles(f, '1')).length, 8)
})

blenderTest('cancel then activate renders only the missing frames', async (t) => {
  const f = await farm(t, 6)
  t.is((await runCli(['submit', f.scene, '--no-encode', '--coordinator', f.address])).code, 0)
  await waitForJob(f.address, '1', '2 frames done', j => j.framesDone >= 2)
  const rendering = await blenders(f)
  t.regex(await control(f, 'cancel', '1'), /job 1 cancelled/)
  const started = Date.now()
  await blenderStopsWithin2s(t, rendering, started)
  const cancelled = await manifest(f, '1')
  t.is(cancelled.state, 'cancelled')
  const doneBefore = Object.entries(cancelled.frames).filter(([, fr]) => fr.state === 'done').map(([n]) => n)
  t.true(doneBefore.length >= 2 && doneBefore.length < 6)
  t.is((await frameFiles(f, '1')).length, doneBefore.length, 'frames finished after the cancel are not kept')

  t.regex(await control(f, 'activate', '1'), /job 1 active: \d+ frame\(s\) to render/)
  await waitForJob(f.address, '1', 'completed', j => j.state === 'completed')
  const finished = await manifest(f, '1')
  for (const frame of doneBefore) t.is(finished.frames[frame]?.attempts, 1, `frame ${frame} was not rendered again`)
  t.is((await frameFiles(f, '1')).length, 6)
})

blenderTest('force-complete keeps the frames it has, lists the missing ones, and encodes them with gaps', async (t) => {
  const f = await farm(t, 8)
  t.is((await runCli(['submit', f.scene, '--coordinator', f.address])).code, 0)
  await waitForJob(f.address, '1', '3 frames done', j => j.framesDone >= 3)
  t.regex(await control(f, 'pause', '1'), /paused/)
  const output = await control(f, 'complete', '1')
  t.regex(output, /job 1 marked complete with \d+ frame\(s\) missing/)
  const job = await waitForJob(f.address, '1', 'video done', j => j.encode?.state === 'done' || j.encode?.state === 'failed')
  t.is(job.state, 'completed')
  const missing = job.missingFrames ?? []
  t.true(missing.length > 0)
  t.regex(output, new RegExp(`missing frames: ${missing.join(',')}`))
  const files = await frameFiles(f, '1')
  t.is(files.length + missing.length, 8)
  t.is(job.encode?.state, 'done', job.encode?.error)

  // The video holds exactly the frames the job has.
  const video = job.encode?.outputPath ?? ''
  t.is(video, path.join(f.out, 'job_1_render.mp4'))
  t.is(Number((await probeVideo(video)).nb_read_frames), files.length)

  const wrong = await runCli(['pause', '1', '--coordinator', f.address])
  t.not(wrong.code, 0)
  t.regex(wrong.stderr, /cannot pause job 1: it is completed/)
  const unknown = await runCli(['cancel', '42', '--coordinator', f.address])
  t.not(unknown.code, 0)
  t.regex(unknown.stderr, /no job 42/)
})
