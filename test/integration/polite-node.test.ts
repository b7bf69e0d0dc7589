import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { BlenderDriver } from '../../src/blender/blender-driver.js'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { coordinatorAddress, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import { childPids } from '../helpers/processes.js'
import { tempFolder } from '../helpers/temp-folder.js'

// Issue 16 items 2 and 3 with real Blender: --threads reaches it, --nice
// lowers it, and a frame that fails leaves Blender's own lines for
// `microfarm log`.

blenderTest('--threads 1 reaches Blender: the driver renders with one thread, and the frame completes', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-threads-')
  const scene = await makeScene(dir, { frames: 2 })
  const driver = await BlenderDriver.start({ blender, blendPath: scene, threads: 1 })
  t.teardown(async () => driver.stop())
  t.is(driver.renderThreads, 1)
  const saved = await driver.render(1, path.join(dir, 'out'), 'PNG')
  t.true((await readFile(saved)).length > 0)
  // The frame's output is kept (bounded) whether it failed or not.
  t.true(driver.frameLog.some(line => /Fra:1 /.test(line)), driver.frameLog.join('\n'))
})

/** The nice value of a running process (Linux: field 19 of /proc/PID/stat). */
async function niceOf (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
}

blenderTest('a node with --threads 1 --nice renders a job; a frame that fails keeps Blender\'s lines, and microfarm log prints them', async (t) => {
  const dir = await tempFolder(t, 'mf-polite-')
  const out = path.join(dir, 'out')
  const good = await makeScene(dir, { frames: 2 })
  const noCamera = await makeScene(dir, { frames: 1, camera: false })
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui', '--max-attempts', '2'])
  const address = await coordinatorAddress(coordinator)
  const node = startCli(t, ['node', '--name', 'polite', '--coordinator', address, '--work-dir', path.join(dir, 'work'), '--threads', '1', '--nice'])
  await waitFor('the node to join', () => coordinator.output().includes('node joined: polite'))
  t.regex(node.output(), /--nice: Blender runs under nice -n 10 and ionice -c 3/)

  const submit = async (scene: string): Promise<string> => {
    const result = await runCli(['submit', scene, '--coordinator', address, '--no-encode', '--json'])
    t.is(result.code, 0, result.stderr)
    return (JSON.parse(result.stdout) as { jobId: string }).jobId
  }
  const done = await submit(good)
  await waitForJob(address, done, 'completed', job => job.state === 'completed')
  // The node's Blender (warm or loaded) runs at the lower priority.
  const blenders = await waitFor('the node\'s Blender', async () => {
    const pids = await childPids(node.child.pid ?? 0)
    return pids.length > 0 ? pids : undefined
  })
  t.is(await niceOf(blenders[0] ?? 0), 10)

  const failing = await submit(noCamera)
  await waitForJob(address, failing, 'failed', job => job.state === 'failed')
  const log = await runCli(['log', failing, '1', '--coordinator', address])
  t.is(log.code, 0, log.stderr)
  t.regex(log.stdout, new RegExp(`job ${failing}, frame 1: attempt 2 on polite at .*: failed: .*no camera`))
  // Blender's own lines of that attempt, not only our one-line reason.
  t.regex(log.stdout, /^Error: Cannot render, no camera$/m)
  const all = await runCli(['log', failing, '1', '--all', '--json', '--coordinator', address])
  const entries = JSON.parse(all.stdout) as Array<{ attempt: number, node: string, lines: string[] }>
  t.deepEqual(entries.map(e => [e.attempt, e.node]), [[1, 'polite'], [2, 'polite']])
  t.true(entries.every(e => e.lines.length > 0 && e.lines.length <= 200))
  const index = await runCli(['log', failing, '--coordinator', address])
  t.regex(index.stdout, /^1\s+2\s+failed\s+polite/m)
  const stored = await readFile(path.join(out, '.microfarm', 'logs', `job_${failing}.jsonl`), 'utf8')
  t.is(stored.trim().split('\n').length, 2)
  t.false((await readFile(path.join(out, `job_${failing}_info.json`), 'utf8')).includes('Cannot render, no camera\\n'), 'the manifest carries no log')
})
