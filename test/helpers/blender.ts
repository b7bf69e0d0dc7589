import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { findBlender } from '../../src/blender/find-blender.js'
import type { BlenderInstall } from '../../src/blender/find-blender.js'
import { runProcess } from '../../src/process/run-process.js'

const SCENE_SCRIPT = fileURLToPath(new URL('../fixtures/make-scene.py', import.meta.url))

// CI must prove the Blender code works; a developer without Blender still gets the unit tests.
const requireBlender = process.env.CI === 'true'

interface Lookup {
  blender?: BlenderInstall
  why?: string
}

let lookup: Promise<Lookup> | undefined

/** Looks Blender up once per test file, the way the app does (BLENDER, PATH, install locations). */
export async function findBlenderForTests (): Promise<BlenderInstall | undefined> {
  return (await lookupOnce()).blender
}

async function lookupOnce (): Promise<Lookup> {
  lookup ??= findBlender().then(
    (blender) => ({ blender }),
    (error: unknown) => ({ why: error instanceof Error ? error.message : String(error) }),
  )
  return await lookup
}

/**
 * The Blender to test with. Without one the test passes with a logged reason,
 * except under CI=true, where it fails. Prefer blenderTest, which shows as skipped.
 */
export async function blenderOrSkip (t: ExecutionContext): Promise<BlenderInstall | undefined> {
  const { blender, why } = await lookupOnce()
  if (blender != null) return blender
  if (requireBlender) {
    t.fail(`Blender is required when CI=true: ${why}`)
  } else {
    t.log(`SKIPPED, Blender is not installed: ${why}`)
    t.pass()
  }
  return undefined
}

const found = await lookupOnce()

/**
 * Declares a test that needs a real Blender. Without one it is registered as
 * skipped (reported by ava as such, the reason in its title), or, under CI=true,
 * as a failing test.
 */
export function blenderTest (title: string, body: (t: ExecutionContext, blender: BlenderInstall) => Promise<void>): void {
  const { blender, why } = found
  if (blender != null) {
    test(title, async (t) => { await body(t, blender) })
  } else if (requireBlender) {
    test(title, (t) => { t.fail(`Blender is required when CI=true: ${why}`) })
  } else {
    test.skip(`${title} (skipped: ${firstSentence(why)})`, () => {})
  }
}

function firstSentence (text: string | undefined): string {
  return (text ?? 'Blender not found').split('. ')[0] ?? ''
}

export interface SceneOptions {
  frames?: number
  camera?: boolean
  width?: number
  height?: number
  /** Cycles samples per pixel: more makes each frame slower (tests that act mid-job). */
  samples?: number
}

/** Builds the fixture scene with test/fixtures/make-scene.py and returns the .blend path. */
export async function makeScene (dir: string, opts: SceneOptions = {}): Promise<string> {
  const { blender, why } = await lookupOnce()
  if (blender == null) throw new Error(`cannot make a test scene without Blender: ${why}`)
  const frames = opts.frames ?? 24
  const width = opts.width ?? 160
  const height = opts.height ?? 90
  const camera = opts.camera ?? true
  const samples = opts.samples ?? 2
  const out = path.join(dir, `scene-${frames}f-${width}x${height}${samples !== 2 ? `-${samples}s` : ''}${camera ? '' : '-nocam'}.blend`)
  const args = [
    // --factory-startup: the scene must not depend on whoever runs the tests.
    '-b', '--factory-startup', '-noaudio', '--python-exit-code', '1', '--python', SCENE_SCRIPT, '--', out,
    '--frames', String(frames), '--width', String(width), '--height', String(height), '--samples', String(samples),
    ...(camera ? [] : ['--no-camera']),
  ]
  const output: string[] = []
  const keep = (line: string): void => { output.push(line) }
  const result = await runProcess({ command: blender.path, args, timeoutMs: 120_000, onStdoutLine: keep, onStderrLine: keep })
  if (result.exitCode !== 0) {
    throw new Error(`make-scene.py failed (exit ${result.exitCode ?? result.signal}):\n${output.join('\n')}`)
  }
  return out
}

/** The scene saved again after `python` (bpy imported, the scene as `scene`), beside it with `-SUFFIX` in its name. */
export async function saveSceneWith (blender: BlenderInstall, blend: string, suffix: string, python: string): Promise<string> {
  const out = blend.replace(/\.blend$/, `-${suffix}.blend`)
  const expr = `import bpy; scene = bpy.context.scene; ${python}; bpy.ops.wm.save_as_mainfile(filepath=${JSON.stringify(out)})`
  const result = await runProcess({ command: blender.path, args: ['-b', blend, '-Y', '--python-exit-code', '1', '--python-expr', expr], timeoutMs: 120_000 })
  if (result.exitCode !== 0) throw new Error(`could not save ${out} (exit ${result.exitCode ?? result.signal})`)
  return out
}
