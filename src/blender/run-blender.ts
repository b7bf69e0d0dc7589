import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProgramNotFoundError } from '../process/run-process.js'
import type { ProcessResult, ProcessRunner, RunProcessOptions } from '../process/run-process.js'
import { BlenderError, BlenderNotFoundError } from './errors.js'
import type { BlenderInstall } from './find-blender.js'

/**
 * Runs a found Blender, turning "could not even start" into errors that say
 * what to do. Each Blender gets a temporary folder of its own, removed when it
 * exits: a Blender that is stopped (cancel, pause) rather than quitting leaves
 * its session folder behind, and a node stops many in a day.
 */
export async function runBlender (blender: BlenderInstall, options: RunProcessOptions, run: ProcessRunner): Promise<ProcessResult> {
  let temp: string
  try {
    temp = await mkdtemp(join(tmpdir(), 'microfarm-blender-'))
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
