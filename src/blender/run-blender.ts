import { ProgramNotFoundError } from '../process/run-process.js'
import type { ProcessResult, ProcessRunner, RunProcessOptions } from '../process/run-process.js'
import { BlenderError, BlenderNotFoundError } from './errors.js'
import type { BlenderInstall } from './find-blender.js'

/** Runs a found Blender, turning "could not even start" into errors that say what to do. */
export async function runBlender (blender: BlenderInstall, options: RunProcessOptions, run: ProcessRunner): Promise<ProcessResult> {
  try {
    return await run(options)
  } catch (error) {
    // Found at startup, gone now: uninstalled or upgraded under us.
    if (error instanceof ProgramNotFoundError) {
      throw new BlenderNotFoundError(
        `Blender ${blender.version} is no longer at ${blender.path}: reinstall it or pass --blender PATH`, { cause: error })
    }
    const reason = error instanceof Error ? error.message : String(error)
    throw new BlenderError(`cannot start Blender at ${blender.path}: ${reason}`, { cause: error })
  }
}
