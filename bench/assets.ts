// Assets: a scene with 200 external textures (~500 MB), as the user types it.
// `microfarm submit scene.blend --dry-run` (Node start, Blender's trace of the
// scene's files, hashing every file) against `sha256sum` of the same files, in
// the same run, from the page cache; then real submits to a real coordinator:
// the first sends everything, after one texture changes only that file goes,
// and with nothing changed nothing does.
import { spawn } from 'node:child_process'
import { mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { findBlenderIfInstalled } from '../src/blender/find-blender.js'
import { traceScene } from '../src/blender/scene-trace.js'
import { planProject } from '../src/project/plan.js'
import { coordinatorAddress, median, MICROFARM, microfarm, stopAll } from './lib/processes.js'

const MB = 1024 * 1024
const IMAGES = 200
const IMAGE_BYTES = 2.5 * MB
const RUNS = 5
const GOAL = 1.3
const SCRIPT = fileURLToPath(new URL('./lib/make-asset-project.py', import.meta.url))
const BLENDER = process.env.BLENDER ?? 'blender'
/** Any one command of this bench; the coordinator gets the whole bench. */
const COMMAND_TIMEOUT_MS = 300_000
const COORDINATOR_TIMEOUT_MS = 900_000

const DIST = (file: string): string => new URL(`../dist/${file}`, import.meta.url).href
/**
 * Hashing alone, in a fresh Node as the CLI's (the built code): the plan's
 * files as submit hashes them (hashProject, 3 at a time), then one at a time.
 */
const HASH_ALONE = `
import { readFileSync } from 'node:fs'
import { hashProject } from '${DIST('project/local-project.js')}'
import { sha256File } from '${DIST('net/payload.js')}'
const plan = JSON.parse(readFileSync(process.argv[1], 'utf8'))
let started = performance.now()
await hashProject(plan)
const together = (performance.now() - started) / 1000
started = performance.now()
for (const f of plan.files) await sha256File(f.source)
console.log(JSON.stringify({ together, oneByOne: (performance.now() - started) / 1000 }))
`

interface Ran { seconds: number, stdout: string, code: number | null }

/** Runs a program to its end within a deadline (killed after it); resolves with its wall-clock seconds and stdout. */
async function run (command: string, args: readonly string[], o: { timeoutMs?: number, mayFail?: boolean } = {}): Promise<Ran> {
  const timeoutMs = o.timeoutMs ?? COMMAND_TIMEOUT_MS
  const started = performance.now()
  const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  let timedOut = false
  const deadline = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeoutMs)
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (c) => resolve(c))
    })
    const seconds = (performance.now() - started) / 1000
    const name = [path.basename(command), ...args.slice(0, 3)].join(' ')
    if (timedOut) throw new Error(`${name} … took longer than ${timeoutMs / 1000} s`)
    if (code !== 0 && o.mayFail !== true) throw new Error(`${name} … exited with ${code}: ${stderr.slice(-1000)}${stdout.slice(-1000)}`)
    return { seconds, stdout, code }
  } finally {
    clearTimeout(deadline)
  }
}

async function cli (args: readonly string[], mayFail = false): Promise<Ran> {
  return run(process.execPath, [MICROFARM, ...args], { mayFail })
}

async function filesUnder (folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile()).map(e => path.join(e.parentPath, e.name)).sort()
}

interface SubmitReply { jobId: string, frames: number, filesSent: number, bytesSent: number }

function lastJson<T> (stdout: string): T {
  const line = stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(line) as T
}

export async function assets (): Promise<string[]> {
  // Other work on the machine skews every figure here: said with them.
  const load = os.loadavg().map(l => l.toFixed(1)).join(' ')
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-assets-'))
  let coordinatorDeadline: NodeJS.Timeout | undefined
  try {
    // The project: OUTDIR/shots/scene.blend, textures next to it and one folder above it.
    const root = path.join(dir, 'project')
    await run(BLENDER, ['-b', '--factory-startup', '-noaudio', '--python-exit-code', '1', '--python', SCRIPT, '--', root, String(IMAGES), String(IMAGE_BYTES)], { timeoutMs: 120_000 })
    const blend = path.join(root, 'shots', 'scene.blend')
    const files = await filesUnder(root)
    const sizes = await Promise.all(files.map(async f => (await stat(f)).size))
    const totalBytes = sizes.reduce((a, b) => a + b, 0)
    const mb = (bytes: number): string => (bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)

    // The trace must list every texture, and none missing; this run also warms the page cache.
    const listed = lastJson<{ files: Array<{ path: string, source: string }>, missing: unknown[], bytes: number }>((await cli(['submit', blend, '--dry-run', '--json'])).stdout)
    const listedSources = new Set(listed.files.map(f => f.source))
    const unlisted = files.filter(f => !listedSources.has(f))
    if (listed.files.length !== files.length || unlisted.length > 0 || listed.missing.length > 0 || listed.bytes !== totalBytes) {
      throw new Error(`the dry run lists ${listed.files.length} files, ${listed.bytes} bytes, ${listed.missing.length} missing; the project has ${files.length}, ${totalBytes} bytes (not listed: ${unlisted.slice(0, 3).join(', ')})`)
    }
    await run('sha256sum', files)

    // Where the dry run's time goes, measured alone in the same loop.
    const blender = await findBlenderIfInstalled()
    if (blender === undefined) throw new Error('no Blender found')
    const planFile = path.join(dir, 'plan.json')
    const times: Record<string, number[]> = {}
    const record = (name: string, seconds: number): void => { (times[name] ??= []).push(seconds) }
    const timeIn = async (name: string, work: () => Promise<unknown>): Promise<void> => {
      const started = performance.now()
      await work()
      record(name, (performance.now() - started) / 1000)
    }
    for (let i = 0; i < RUNS; i++) {
      record('dry-run', (await cli(['submit', blend, '--dry-run'])).seconds)
      record('sha256sum', (await run('sha256sum', files)).seconds)
      record('node', (await cli(['--version'])).seconds)
      // submit refuses a file that is not a .blend before any Blender runs: Node start + loading the submit command.
      const refused = await cli(['submit', files.find(f => f.endsWith('.png')) as string, '--dry-run'], true)
      if (refused.code === 0) throw new Error('submit took a .png for a .blend')
      record('node-submit', refused.seconds)
      record('blender', (await run(BLENDER, ['-b', blend, '-Y', '--python-expr', 'pass'])).seconds)
      await timeIn('probe', async () => findBlenderIfInstalled())
      let trace: Awaited<ReturnType<typeof traceScene>> | undefined
      await timeIn('trace', async () => { trace = await traceScene(blender, blend) })
      if (trace === undefined) throw new Error('no trace')
      await writeFile(planFile, JSON.stringify(planProject(blend, trace.references)))
      const hashed = JSON.parse((await run(process.execPath, ['--input-type=module', '-e', HASH_ALONE, planFile])).stdout) as { together: number, oneByOne: number }
      record('hash', hashed.together)
      record('hash-1', hashed.oneByOne)
    }
    const loadAfter = os.loadavg().map(l => l.toFixed(1)).join(' ')
    const t = (name: string): number => median(times[name] ?? [Infinity])
    const s = (name: string): string => `${t(name).toFixed(2)} s`
    const ratio = t('dry-run') / t('sha256sum')
    // The probe runs beside the trace (submit starts both at once), so it is not counted again here.
    const rest = t('dry-run') - t('node-submit') - t('trace') - t('hash')

    // Real submits to a real coordinator.
    const coordinator = microfarm(['coordinator', '--no-tui', '--no-advertise', '--port', '0', '--output-dir', path.join(dir, 'out')])
    coordinatorDeadline = setTimeout(() => coordinator.child.kill('SIGKILL'), COORDINATOR_TIMEOUT_MS)
    const address = await coordinatorAddress(coordinator)
    const submit = async (): Promise<SubmitReply & { seconds: number }> => {
      const ran = await cli(['submit', blend, '--coordinator', address, '--json', '--no-encode', '--frames', '1'])
      return { ...lastJson<SubmitReply>(ran.stdout), seconds: ran.seconds }
    }
    const first = await submit()
    // One texture changes: a few bytes rewritten, same size.
    const changed = files.find(f => f.endsWith('tex_042.png')) ?? files[0] as string
    const handle = await open(changed, 'r+')
    await handle.write(randomBytes(16), 0, 16, 1000)
    await handle.close()
    const changedBytes = (await stat(changed)).size
    const second = await submit()
    const third = await submit()

    const allSent = first.filesSent === files.length && first.bytesSent === totalBytes
    const oneSent = second.filesSent === 1 && second.bytesSent === changedBytes
    const noneSent = third.filesSent === 0 && third.bytesSent === 0
    return [
      `assets: trace+hash ${IMAGES} textures + .blend (${files.length} files, ${mb(totalBytes)} MB): submit --dry-run ${s('dry-run')} vs sha256sum ${s('sha256sum')} = ${ratio.toFixed(2)}× (median of ${RUNS}, page cache warm; goal ≤ ${GOAL}×) ${ratio <= GOAL ? 'OK' : 'ABOVE GOAL'}`,
      `  where the time goes: Node start + loading the submit command ${s('node-submit')} (microfarm --version ${s('node')}); finding Blender (blender --version) ${s('probe')}, which submit runs beside the trace; Blender's trace ${s('trace')} (bare Blender start + load of the .blend ${s('blender')}, so the walker's Python ${(t('trace') - t('blender')).toFixed(2)} s); ` +
        `hashing alone ${s('hash')} (hashProject, 3 files at a time, timed inside a fresh Node; one file at a time ${s('hash-1')}); the rest ${rest.toFixed(2)} s; ${os.cpus().length} cores, load average (1, 5, 15 min) before the bench ${load}, after the timed runs ${loadAfter}`,
      `assets: first submit sent ${first.filesSent} of ${files.length} files, ${mb(first.bytesSent)} of ${mb(totalBytes)} MB in ${first.seconds.toFixed(2)} s (dry run ${s('dry-run')}) ${allSent ? 'OK' : 'NOT EVERYTHING'}`,
      `assets: one file changed: sent ${second.filesSent} file(s), ${mb(second.bytesSent)} MB in ${second.seconds.toFixed(2)} s (goal: that file only, ${mb(changedBytes)} MB) ${oneSent ? 'OK' : 'MISSED'}`,
      `assets: nothing changed: sent ${third.filesSent} file(s), ${third.bytesSent} bytes in ${third.seconds.toFixed(2)} s (goal: 0 bytes) ${noneSent ? 'OK' : 'MISSED'}`,
    ]
  } finally {
    clearTimeout(coordinatorDeadline)
    await stopAll()
    await rm(dir, { recursive: true, force: true })
  }
}
