import type { ProcessResult, ProcessRunner, RunProcessOptions } from '../../src/process/run-process.js'

export type FakeStep =
  | { out: string }
  | { err: string }
  /** Runs while the fake process is "alive", e.g. to write the file a Saved: line names. */
  | { act: () => Promise<void> | void }
  /** Waits until the test lets it go (or the signal aborts). */
  | { waitFor: Promise<void> }

export interface FakeScript {
  steps: readonly FakeStep[]
  exitCode?: number | null
  signal?: NodeJS.Signals | null
}

export interface FakeRunner {
  run: ProcessRunner
  calls: RunProcessOptions[]
  /** Set when the fake process has exited: lets a callback check it was called while "running". */
  exited: () => boolean
}

/** A stand-in for runProcess that plays back Blender output, one line per turn of the event loop. */
export function fakeBlenderRunner (script: FakeScript): FakeRunner {
  const calls: RunProcessOptions[] = []
  let exited = false
  const run: ProcessRunner = async (options) => {
    calls.push(options)
    const aborted = await play(script.steps, options)
    exited = true
    if (aborted) return { exitCode: null, signal: 'SIGTERM', stoppedBecause: 'aborted' }
    return { exitCode: script.exitCode ?? 0, signal: script.signal ?? null } satisfies ProcessResult
  }
  return { run, calls, exited: () => exited }
}

async function play (steps: readonly FakeStep[], options: RunProcessOptions): Promise<boolean> {
  for (const step of steps) {
    if (options.signal?.aborted === true) return true
    await new Promise((resolve) => setImmediate(resolve))
    if ('out' in step) options.onStdoutLine?.(step.out)
    else if ('err' in step) options.onStderrLine?.(step.err)
    else if ('act' in step) await step.act()
    else await Promise.race([step.waitFor, abortedPromise(options.signal)])
  }
  return options.signal?.aborted === true
}

async function abortedPromise (signal: AbortSignal | undefined): Promise<void> {
  if (signal == null) return await new Promise(() => {})
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
  })
}
