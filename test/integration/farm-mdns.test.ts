import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { readJobManifest, runCli, startCli, waitFor } from '../helpers/cli.js'
import { canCreateNetns, createTestNetns } from '../helpers/netns.js'
import { readPngSize } from '../helpers/png.js'
import { pngIsComplete } from '../helpers/png-complete.js'
import { tempFolder } from '../helpers/temp-folder.js'

// The product's core loop with nothing configured: a coordinator and two nodes
// as separate processes, found over real mDNS, rendering a real scene with real
// Blender. Everything runs in a network namespace of its own (created here,
// needs root) whose loopback has multicast turned on, so the mDNS traffic never
// leaves it and no other test's coordinator can answer.

const FRAMES = 6

blenderTest('coordinator, two nodes found over mDNS, and submit --wait render every frame exactly once', async (t) => {
  if (!canCreateNetns()) {
    t.fail('this test creates a network namespace for mDNS and must run as root')
    return
  }
  const netns = await createTestNetns(t)
  const dir = await tempFolder(t, 'mf-farm-')
  const scene = await makeScene(dir, { frames: FRAMES })
  const out = path.join(dir, 'out')

  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--farm', 'itest', '--no-tui', '--port', '9090'], { netns })
  await waitFor('the coordinator to listen', () => coordinator.output().includes('listening as'))
  const nodes = ['alpha', 'beta'].map(name =>
    startCli(t, ['node', '--name', name, '--work-dir', path.join(dir, `work-${name}`)], { netns }))
  await waitFor('both nodes to join', () => ['alpha', 'beta'].every(name => coordinator.output().includes(`node joined: ${name}`)))

  const submit = await runCli(['submit', scene, '--wait', '--no-encode'], { netns, timeoutMs: 150_000 })
  t.is(submit.code, 0, submit.stdout + submit.stderr)
  t.regex(submit.stdout, /job 1 submitted: 6 frame\(s\)/)
  t.regex(submit.stdout, /completed: 6\/6 frames/)

  const files = (await readdir(path.join(out, 'job_1'))).sort()
  t.deepEqual(files, ['frame_0001.png', 'frame_0002.png', 'frame_0003.png', 'frame_0004.png', 'frame_0005.png', 'frame_0006.png'])
  for (const file of files) {
    const framePath = path.join(out, 'job_1', file)
    t.deepEqual(await readPngSize(framePath), { width: 160, height: 90 }, file)
    t.true(await pngIsComplete(framePath), `${file} is a whole PNG`)
  }

  // Exactly once: every frame done and counted once. (A backup copy of a slow
  // frame at the tail may be rendered, but only the first complete copy counts.)
  const manifest = await readJobManifest(out, '1')
  const records = Object.values(manifest.frames)
  t.is(records.length, FRAMES)
  t.true(records.every(r => r.state === 'done'), JSON.stringify(manifest.frames))
  for (let frame = 1; frame <= FRAMES; frame++) {
    t.is(coordinator.output().match(new RegExp(`frame ${frame} done by`, 'g'))?.length, 1, `frame ${frame} counted once`)
  }

  const jobs = await runCli(['jobs', '--json'], { netns })
  t.is(jobs.code, 0, jobs.stderr)
  const [job] = JSON.parse(jobs.stdout) as Array<{ state: string, byNode: Record<string, number> }>
  t.is(job?.state, 'completed')
  t.true((job?.byNode.alpha ?? 0) > 0, `alpha rendered frames: ${JSON.stringify(job?.byNode)}`)
  t.true((job?.byNode.beta ?? 0) > 0, `beta rendered frames: ${JSON.stringify(job?.byNode)}`)
  t.is((job?.byNode.alpha ?? 0) + (job?.byNode.beta ?? 0), FRAMES)

  // SIGTERM shuts the coordinator down cleanly.
  t.is(await coordinator.stop(), 0)
  for (const node of nodes) t.is(await node.stop(), 0)
})
