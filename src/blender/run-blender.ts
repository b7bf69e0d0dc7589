import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProgramNotFoundError } from '../process/run-process.js'
import type { ProcessResult, ProcessRunner, RunProcessOptions } from '../process/run-process.js'
import { BlenderError, BlenderNotFoundError } from './errors.js'
import type { BlenderInstall } from './find-blender.js'

const TEMP_PREFIX = 'microfarm-blender-'
const TEMP_NAME = /^microfarm-blender-(\d+)-/

/**
 * Temporary folders of Blenders whose node process is gone (killed before it
 * could clean up): removed when a node starts. Returns how many.
 */
export async function removeStaleBlenderTemps (root = tmpdir()): Promise<number> {
  let removed = 0
  for (const name of await readdir(root)) {
    const pid = Number(TEMP_NAME.exec(name)?.[1])
    if (!Number.isSafeInteger(pid) || pid <= 0 || processAlive(pid)) continue
    await rm(join(root, name), { recursive: true, force: true })
    removed++
  }
  return removed
}

function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Runs a found Blender, turning "could not even start" into errors that say
 * what to do. Each Blender gets a temporary folder of its own, removed when it
 * exits: a Blender that is stopped (cancel, pause) rather than quitting leaves
 * its session folder behind, and a node stops many in a day.
 */
export async function runBlender (blender: BlenderInstall, options: RunProcessOptions, run: ProcessRunner): Promise<ProcessResult> {
  let temp: string
  try {
    temp = await mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`))
  } catch (error) {
    throw new BlenderError(`cannot start Blender: no temporary folder for it under ${tmpdir()} (${error instanceof Error ? error.message : String(error)})`, { cause: error })
  }
  try {
    return await run({ ...options, env: { ...(options.env ?? process.env), TMPDIR: temp, TEMP: temp, TMP: temp } })
  } catch (error) {
    // Found at startup, gone now: uninstalled or upgraded under us.
    if (error instanceof ProgramNotFoundError) {
      throw new BlenderNotFoundError(
        `Blender ${blender.version} is no longer at ${blender.path}: reinstall it or pass --blender PATH`, { cause: error })
    }
    const reason = error instanceof Error ? error.message : String(error)
    throw new BlenderError(`cannot start Blender at ${blender.path}: ${reason}`, { cause: error })
  } finally {
    // A folder left behind must not turn a rendered frame into a failure: said, not thrown.
    await rm(temp, { recursive: true, force: true }).catch((error: unknown) => {
      process.emitWarning(`could not remove Blender's temporary folder ${temp}: ${error instanceof Error ? error.message : String(error)}`)
    })
  }
}
