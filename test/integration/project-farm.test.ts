import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { blenderTest } from '../helpers/blender.js'
import type { BlenderInstall } from '../../src/blender/find-blender.js'
import { runProcess } from '../../src/process/run-process.js'
import { coordinatorAddress, jobsJson, MICROFARM, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import type { CliProcess } from '../helpers/cli.js'
import { makeProject } from '../helpers/projects.js'
import type { ProjectKind } from '../helpers/projects.js'
import { readPngImage } from '../helpers/png.js'
import { tempFolder } from '../helpers/temp-folder.js'

// Scenes with external files, rendered by a farm whose node cannot see the
// artist's folder (a private mount namespace with an empty tmpfs over it), so
// nothing resolves by accident on this one machine. Each frame must match a
// plain `blender -b` render of the same scene, pixel for pixel.

interface Farm { address: string, node: CliProcess, work: string }

/** A coordinator, and a node for which `hidden` is an empty folder. */
async function farmHiding (t: ExecutionContext, hidden: string): Promise<Farm> {
  const work = await tempFolder(t, 'mf-project-farm-')
  const coordinator = startCli(t, ['coordinator', '--no-tui', '--no-advertise', '--port', '0', '--output-dir', path.join(work, 'out')], { cwd: work })
  const address = await coordinatorAddress(coordinator)
  // unshare execs sh, which execs node: the child's pid is the node's, inside the namespace.
  const node = startCli(t, ['node', '--coordinator', address, '--name', 'hidden', '--work-dir', path.join(work, 'node')], {
    command: ['unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none "$0" && exec "$@"', hidden, process.execPath, MICROFARM],
  })
  await waitFor('the node to connect', () => node.output().includes('connected to farm'), 60_000)
  const seen = await readdir(`/proc/${node.child.pid ?? 0}/root${hidden}`)
  t.deepEqual(seen, [], 'the node must not see the artist\'s folder')
  return { address, node, work }
}

/** Plain Blender's frames of the scene's whole range, by frame number. */
async function referenceFrames (blender: BlenderInstall, blend: string, dir: string): Promise<Map<number, string>> {
  const result = await runProcess({ command: blender.path, args: ['-b', blend, '-Y', '-o', path.join(dir, 'frame_####'), '-F', 'PNG', '-x', '1', '-a'], timeoutMs: 120_000 })
  if (result.exitCode !== 0) throw new Error(`reference render of ${blend} failed`)
  return framesIn(dir)
}

async function framesIn (dir: string): Promise<Map<number, string>> {
  const frames = new Map<number, string>()
  for (const name of await readdir(dir)) {
    const match = /^frame_0*([0-9]+)\.png$/.exec(name)
    if (match !== null) frames.set(Number(match[1]), path.join(dir, name))
  }
  return frames
}

interface SubmitJson { jobId: string, frames: number, filesSent: number, bytesSent: number }

async function submit (t: ExecutionContext, farm: Farm, blend: string, extra: string[] = []): Promise<SubmitJson> {
  const result = await runCli(['submit', blend, '--coordinator', farm.address, '--no-encode', '--json', ...extra], { timeoutMs: 120_000 })
  t.is(result.code, 0, `submit ${path.basename(blend)}: ${result.stderr}`)
  return JSON.parse(result.stdout) as SubmitJson
}

// Two groups, each on a farm of its own, so each test stays well inside ava's timeout on a busy machine.
const GROUPS: Array<[string, ProjectKind[]]> = [
  ['textures, an absolute path, a library with its own texture, UDIM tiles and an image sequence', ['all', 'library-nested', 'library-above']],
  ['sequencer strips, fonts and point caches', ['strip', 'font', 'pointcache']],
]

for (const [what, kinds] of GROUPS) {
  blenderTest(`scenes with ${what} render on a node that cannot see them exactly as plain Blender renders them`, async (t, blender) => {
    const dir = await tempFolder(t, 'mf-projects-')
    const projects = await Promise.all(kinds.map(async kind => ({ kind, project: await makeProject(path.join(dir, kind), kind) })))
    const references = new Map<ProjectKind, Map<number, string>>()
    for (const { kind, project } of projects) references.set(kind, await referenceFrames(blender, project.blend, path.join(dir, `${kind}-reference`)))

    const farm = await farmHiding(t, dir)
    for (const { kind, project } of projects) {
      const { jobId } = await submit(t, farm, project.blend)
      const job = await waitForJob(farm.address, jobId, 'completed', j => j.state === 'completed' || j.state === 'failed', 120_000)
      t.is(job.state, 'completed', `${kind}: ${job.error ?? ''}`)
      const rendered = await framesIn(path.join(farm.work, 'out', `job_${jobId}`))
      const reference = references.get(kind) ?? new Map<number, string>()
      t.deepEqual([...rendered.keys()].sort((a, b) => a - b), [...reference.keys()].sort((a, b) => a - b), `${kind}: the same frames`)
      for (const [frame, file] of reference) {
        const farmFrame = rendered.get(frame)
        t.true(farmFrame !== undefined && (await readPngImage(farmFrame)).equals(await readPngImage(file)), `${kind}: frame ${frame} is the reference's, pixel for pixel`)
      }
    }
  })
}

blenderTest('a second job sharing most files with the first sends only what changed', async (t) => {
  const dir = await tempFolder(t, 'mf-projects-')
  const project = await makeProject(dir, 'all')
  const farm = await farmHiding(t, dir)
  const first = await submit(t, farm, project.blend, ['--frames', '1'])
  t.true(first.filesSent > 5, `the first job sends the project (${first.filesSent} files)`)
  const checker = project.files.find(f => f.endsWith('checker.png'))
  if (checker === undefined) throw new Error('the project has no checker.png')
  // Another texture of the same size: only its bytes must travel.
  const before = await readFile(checker)
  await writeFile(checker, Buffer.from(before.map((b, i) => i > 40 && i < 60 ? b ^ 1 : b)))
  const second = await submit(t, farm, project.blend, ['--frames', '1'])
  t.is(second.filesSent, 1)
  t.is(second.bytesSent, before.byteLength)
  const again = await submit(t, farm, project.blend, ['--frames', '1', '--priority', '5'])
  t.deepEqual([again.filesSent, again.bytesSent], [0, 0], 'nothing new: nothing sent')
  // Frame 2 needs another file of the image sequence: that one, and only it.
  const later = await submit(t, farm, project.blend, ['--frames', '2'])
  t.is(later.filesSent, 1)
})

blenderTest('a missing texture: submit refuses and names it; with --allow-missing the job records it', async (t) => {
  const dir = await tempFolder(t, 'mf-projects-')
  const project = await makeProject(dir, 'missing')
  const work = await tempFolder(t, 'mf-missing-farm-')
  const coordinator = startCli(t, ['coordinator', '--no-tui', '--no-advertise', '--port', '0', '--output-dir', path.join(work, 'out')], { cwd: work })
  const address = await coordinatorAddress(coordinator)

  const refused = await runCli(['submit', project.blend, '--coordinator', address], { timeoutMs: 120_000 })
  t.is(refused.code, 1)
  t.regex(refused.stderr, /1 file\(s\) the scene needs are missing:\n {2}image '[^']+': \/\/[^ ]+\.png \(looked for \/[^)]+\.png\)/)
  t.regex(refused.stderr, /nothing was sent/)
  t.deepEqual(await jobsJson(address), [], 'no job was made')

  const dry = await runCli(['submit', project.blend, '--coordinator', address, '--dry-run'], { timeoutMs: 120_000 })
  t.is(dry.code, 1, '--dry-run says the submit would be refused')
  t.regex(dry.stdout, /shots\/missing\.blend/)
  t.regex(dry.stdout, /are missing/)

  const allowed = await runCli(['submit', project.blend, '--coordinator', address, '--allow-missing', '--no-encode'], { timeoutMs: 120_000 })
  t.is(allowed.code, 0, allowed.stderr)
  const [job] = await jobsJson(address) as Array<{ missingFiles?: Array<{ stored: string }> }>
  t.is(job?.missingFiles?.length, 1)
  t.regex(job?.missingFiles?.[0]?.stored ?? '', /^\/\/.*\.png$/)
  const listing = await runCli(['jobs', '--coordinator', address])
  t.regex(listing.stdout, /warning: submitted without \/\/.*\.png/)
})
