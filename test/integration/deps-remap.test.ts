import { copyFile, mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import type { DependencyReference } from '../../src/blender/dependencies.js'
import type { BlenderInstall } from '../../src/blender/find-blender.js'
import { traceScene } from '../../src/blender/scene-trace.js'
import { runProcess } from '../../src/process/run-process.js'
import { blenderTest } from '../helpers/blender.js'
import { makeProject } from '../helpers/projects.js'
import type { ProjectKind } from '../helpers/projects.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { readPngImage } from '../helpers/png.js'

// The node's side of shipping a scene's files: the scene and its files land in
// a layout of the node's own (a cache folder, one flat folder of files), the
// originals are gone, and microfarm_deps.remap points the scene at the copies.

const DEPS_DIR = path.resolve('src/blender')
const RESULT_PREFIX = 'MFREMAP:'

// One line: --python-expr text is exec'd. Arguments come as JSON after '--'.
const REMAP_EXPR = [
  'import sys, json, bpy',
  'a = json.loads(sys.argv[sys.argv.index("--") + 1])',
  'sys.path.insert(0, a["deps"])',
  'import microfarm_deps as d',
  'before = d.missing()',
  'errors = d.remap(a["entries"])',
  'after = d.missing()',
  'bpy.context.scene.frame_set(a["frame"])',
  'bpy.context.scene.render.filepath = a["out"]',
  'bpy.ops.render.render(write_still=True)',
  `print(${JSON.stringify(RESULT_PREFIX)} + json.dumps({"before": before, "errors": errors, "after": after}), flush=True)`,
].join('; ')

interface RemapEntry { from: string, to: string, library: string | null }
interface RemapResult { before: string[], errors: string[], after: string[] }

async function runBlenderArgs (blender: BlenderInstall, args: string[]): Promise<string[]> {
  const lines: string[] = []
  const keep = (line: string): void => { lines.push(line) }
  const result = await runProcess({ command: blender.path, args, timeoutMs: 120_000, onStdoutLine: keep, onStderrLine: keep })
  if (result.exitCode !== 0) throw new Error(`blender ${args.join(' ')} failed:\n${lines.join('\n')}`)
  return lines
}

/** A plain command-line render of one frame, as an artist would check it. */
async function renderFrame (blender: BlenderInstall, blend: string, dir: string, frame: number): Promise<string> {
  await runBlenderArgs(blender, ['-b', blend, '-Y', '-o', path.join(dir, 'ref_####'), '-F', 'PNG', '-x', '1', '-f', String(frame)])
  return path.join(dir, `ref_${String(frame).padStart(4, '0')}.png`)
}

/**
 * Copies the scene into cache/ under another name and every file it needs into
 * files/ (flat; a point cache's files into a folder of their own there);
 * entries map stored paths to the copies.
 */
async function relocate (refs: DependencyReference[], blend: string, to: string): Promise<{ blend: string, entries: RemapEntry[] }> {
  await mkdir(path.join(to, 'cache'), { recursive: true })
  const moved = path.join(to, 'cache', '0123abcd.blend')
  await copyFile(blend, moved)
  const flat = (file: string): string => path.join(to, 'files', path.basename(file))
  const entries: RemapEntry[] = []
  for (const ref of refs) {
    const target = flat(ref.resolved)
    const folder = ref.kind === 'point-cache' ? target : path.dirname(target)
    await mkdir(folder, { recursive: true })
    for (const file of ref.files) await copyFile(file, path.join(folder, path.basename(file)))
    entries.push({ from: ref.stored, to: target, library: ref.library != null ? flat(ref.library) : null })
  }
  return { blend: moved, entries }
}

async function remapAndRender (blender: BlenderInstall, blend: string, entries: RemapEntry[], out: string, frame: number): Promise<RemapResult> {
  const payload = JSON.stringify({ deps: DEPS_DIR, entries, out, frame })
  const lines = await runBlenderArgs(blender, ['-b', blend, '-Y', '--python-exit-code', '1', '--python-expr', REMAP_EXPR, '--', payload])
  const line = lines.find((l) => l.startsWith(RESULT_PREFIX))
  if (line == null) throw new Error(`no ${RESULT_PREFIX} line:\n${lines.join('\n')}`)
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as RemapResult
}

async function checkRemap (t: ExecutionContext, blender: BlenderInstall, kind: ProjectKind, frame = 1): Promise<RemapResult> {
  const dir = await tempFolder(t, `mf-remap-${kind}-`)
  const project = await makeProject(path.join(dir, 'original'), kind)
  const [reference, trace] = await Promise.all([
    renderFrame(blender, project.blend, dir, frame),
    traceScene(blender, project.blend),
  ])
  const { blend, entries } = await relocate(trace.references, project.blend, path.join(dir, 'node'))
  await rm(project.root, { recursive: true })
  const result = await remapAndRender(blender, blend, entries, path.join(dir, 'remapped.png'), frame)
  t.true(result.before.length > 0, 'the moved scene misses files before remap')
  t.deepEqual(result.errors, [])
  t.deepEqual(result.after, [])
  t.true((await readPngImage(path.join(dir, 'remapped.png'))).equals(await readPngImage(reference)), 'same picture as the original')
  return result
}

blenderTest('remap: an absolute texture outside the project, moved, renders the same', async (t, blender) => {
  const result = await checkRemap(t, blender, 'absolute')
  t.deepEqual(result.before.map((p) => path.basename(p)), ['wood.png'])
})

blenderTest('remap: nested libraries and their textures, moved to a flat folder, render the same', async (t, blender) => {
  const result = await checkRemap(t, blender, 'library-nested')
  // Only the direct library is known before it loads: b.blend shows up once a.blend is found.
  t.deepEqual(result.before.map((p) => path.basename(p)), ['a.blend'])
})

blenderTest('remap: a disk point cache of a renamed .blend is read from its new folder', async (t, blender) => {
  // Frame 5: the baked cloth has fallen; without its cache it would hang at rest.
  const result = await checkRemap(t, blender, 'pointcache', 5)
  // The folder Blender looks in is named after the renamed .blend.
  t.deepEqual(result.before.map((p) => path.basename(p)), ['blendcache_0123abcd'])
})
