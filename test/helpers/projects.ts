import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runProcess } from '../../src/process/run-process.js'
import { findBlenderForTests } from './blender.js'

const PROJECT_SCRIPT = fileURLToPath(new URL('../fixtures/make-project.py', import.meta.url))
const PROJECT_PREFIX = 'MFPROJECT:'

/** The kinds of test project make-project.py builds: each depends on external files in its own way. */
export type ProjectKind =
  | 'texture' | 'absolute' | 'library' | 'library-nested' | 'library-above' | 'udim' | 'sequence'
  | 'strip' | 'font' | 'pointcache' | 'all' | 'missing'

export interface Project {
  /** The folder everything was made in (the project and whatever sits outside it). */
  root: string
  /** The main scene: <root>/project/shots/<kind>.blend. */
  blend: string
  /** Every file made for the scene (textures, libraries, cache files), absolute. */
  files: string[]
}

/** Builds a test project with test/fixtures/make-project.py in dir (which must be empty or new). */
export async function makeProject (dir: string, kind: ProjectKind): Promise<Project> {
  const blender = await findBlenderForTests()
  if (blender == null) throw new Error('cannot make a test project without Blender')
  const args = [
    // --factory-startup: the project must not depend on whoever runs the tests.
    '-b', '--factory-startup', '-noaudio', '--python-exit-code', '1', '--python', PROJECT_SCRIPT, '--', kind, path.resolve(dir),
  ]
  const output: string[] = []
  let made: string | undefined
  const keep = (line: string): void => {
    output.push(line)
    if (line.startsWith(PROJECT_PREFIX)) made = line.slice(PROJECT_PREFIX.length)
  }
  const result = await runProcess({ command: blender.path, args, timeoutMs: 120_000, onStdoutLine: keep, onStderrLine: keep })
  if (result.exitCode !== 0 || made == null) {
    throw new Error(`make-project.py ${kind} failed (exit ${result.exitCode ?? result.signal}):\n${output.join('\n')}`)
  }
  return JSON.parse(made) as Project
}
