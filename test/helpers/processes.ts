import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const exec = promisify(execFile)

/** PIDs of processes whose command line mentions `text` (Blender started by a node with that work dir). */
export async function pidsMatching (text: string): Promise<number[]> {
  try {
    const { stdout } = await exec('pgrep', ['-f', '--', text])
    return stdout.split('\n').filter(Boolean).map(Number).filter(pid => pid !== process.pid)
  } catch (err) {
    // pgrep exits 1 when nothing matches.
    if ((err as { code?: number }).code === 1) return []
    throw err
  }
}

/** Kills what a SIGKILLed node left behind (its Blender keeps running as an orphan). */
export async function killMatching (text: string): Promise<void> {
  for (const pid of await pidsMatching(text)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
    }
  }
}

/** PIDs of the direct children of `pid` (the Blender a node started, warm or loaded). */
export async function childPids (pid: number): Promise<number[]> {
  try {
    const { stdout } = await exec('pgrep', ['-P', String(pid)])
    return stdout.split('\n').filter(Boolean).map(Number)
  } catch (err) {
    if ((err as { code?: number }).code === 1) return []
    throw err
  }
}
