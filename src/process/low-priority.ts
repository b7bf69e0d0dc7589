import { findOnPath } from './find-on-path.js'
import { ProgramNotFoundError, runProcess } from './run-process.js'
import type { ProcessRunner } from './run-process.js'

// `microfarm node --nice`: Blender yields the CPU and the disk to whoever sits
// at the desktop. Started through `nice -n 10` and `ionice -c 3` where they
// exist, the priority holds from Blender's first instruction, and every
// thread it starts inherits it (Linux keeps a nice value per thread: one set
// on the pid after start would miss threads already running).

/** Lower CPU priority: 10 of 19, the default of `nice`. */
export const NICE_LEVEL = 10

export interface PriorityTools {
  nice?: string
  ionice?: string
}

/** Looks up nice and ionice on PATH (ionice is Linux only; macOS has nice). */
export async function findPriorityTools (env: NodeJS.ProcessEnv = process.env): Promise<PriorityTools> {
  if (process.platform === 'win32') return {}
  const [nice, ionice] = await Promise.all([findOnPath('nice', env), findOnPath('ionice', env)])
  return { ...(nice !== undefined ? { nice } : {}), ...(ionice !== undefined ? { ionice } : {}) }
}

/** The command line that runs `command args` at low priority with these tools. */
export function lowPriorityCommand (command: string, args: readonly string[], tools: PriorityTools): { command: string, args: string[] } {
  // -t: a kernel that refuses the idle class still runs Blender (at normal I/O priority).
  const io = tools.ionice !== undefined ? [tools.ionice, '-c', '3', '-t'] : []
  const line = tools.nice !== undefined ? [tools.nice, '-n', String(NICE_LEVEL), ...io, command, ...args] : [...io, command, ...args]
  const [first, ...rest] = line
  return { command: first ?? command, args: rest }
}

/** What --nice does here, for the node's log. */
export function describePriority (tools: PriorityTools): string {
  if (tools.nice !== undefined && tools.ionice !== undefined) return `Blender runs under nice -n ${NICE_LEVEL} and ionice -c 3 (idle disk priority)`
  if (tools.nice !== undefined) return `Blender runs under nice -n ${NICE_LEVEL} (no ionice here: disk priority unchanged)`
  return 'Blender gets a lower CPU priority once started (no nice/ionice here: disk priority unchanged)'
}

/** A runner that starts every program at low priority; without the tools, it lowers the started process's own priority. */
export function lowPriorityRunner (tools: PriorityTools, run: ProcessRunner = runProcess): ProcessRunner {
  if (tools.nice === undefined && tools.ionice === undefined) return async (options) => run({ ...options, lowerPriority: true })
  return async (options) => {
    const result = await run({ ...options, ...lowPriorityCommand(options.command, options.args, tools) })
    // nice and ionice exit 127 when the program they were to run is not there.
    if (result.exitCode === 127) throw new ProgramNotFoundError(`cannot run ${options.command}: not found`)
    return result
  }
}
