import { copyFile, open } from 'node:fs/promises'
import path from 'node:path'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { coordinatorAddress, jobsJson, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A .blend saved by a newer Blender than the node's is never handed to it,
// and the job says why, as a user reads it in `jobs` and `jobs --json`.

/** Writes `version` ("402" = 4.2) into a plain .blend's 12-byte header, as if that Blender had saved it. */
async function patchHeaderVersion (file: string, version: string): Promise<void> {
  const handle = await open(file, 'r+')
  try {
    const head = Buffer.alloc(12)
    await handle.read(head, 0, 12, 0)
    if (!/^BLENDER[_-][vV]\d{3}$/.test(head.toString('latin1'))) throw new Error(`${file} is not a plain .blend: ${head.toString('latin1')}`)
    await handle.write(Buffer.from(version, 'latin1'), 0, 3, 9)
  } finally {
    await handle.close()
  }
}

blenderTest('a scene saved by a newer Blender waits, saying why, while the node renders the others', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-versions-')
  const scene = await makeScene(dir, { frames: 2 })
  const newer = path.join(dir, 'newer.blend')
  await copyFile(scene, newer)
  // One minor version past the node's Blender: whatever Blender runs the tests.
  const [major = 0, minor = 0] = blender.version.split('.').map(Number)
  const next = `${major}${String(minor + 1).padStart(2, '0')}`
  await patchHeaderVersion(newer, next)
  const needs = `${major}.${minor + 1}`

  const out = path.join(dir, 'out')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const node = startCli(t, ['node', '--name', 'worker', '--coordinator', address, '--work-dir', path.join(dir, 'work')])
  await waitFor('the node to join', () => coordinator.output().includes('node joined: worker'))

  const refused = await runCli(['submit', scene, '--no-encode', '--blender-version', 'latest', '--coordinator', address])
  t.is(refused.code, 1)
  t.regex(refused.stderr, /--blender-version "latest": expected a version like 4\.2/)

  const first = await runCli(['submit', newer, '--no-encode', '--json', '--coordinator', address])
  t.is(first.code, 0, first.stderr)
  const second = await runCli(['submit', scene, '--no-encode', '--json', '--coordinator', address])
  t.is(second.code, 0, second.stderr)
  await waitForJob(address, '2', 'completed on the node', job => job.state === 'completed')

  const [waiting] = (await jobsJson(address)) as unknown as Array<Record<string, unknown>>
  t.like(waiting, { id: '1', state: 'queued', framesDone: 0, blendVersion: needs, submitterBlender: blender.version, needs: `Blender ≥ ${needs}` })
  t.is(waiting?.waitingFor, `needs Blender ≥ ${needs}: no node has it (worker: it has Blender ${blender.version})`)
  const listed = await runCli(['jobs', '--coordinator', address])
  t.regex(listed.stdout, new RegExp(`job 1: waiting: needs Blender ≥ ${needs.replace('.', '\\.')}: no node has it`))
  // The node never heard of job 1: no task, no fetch of its files.
  t.notRegex(node.output(), /job 1\b/)
  t.notRegex(coordinator.output(), /job 1: (frames .* → |.* reads the scene)/)
})
