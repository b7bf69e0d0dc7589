import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { start } from './processes.js'
import type { Running } from './processes.js'

const SIM_NODE = fileURLToPath(new URL('../../test/fixtures/sim-node.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Starts a simulated node (real node code, sleeping renderer) as its own process. */
export function simNode (coordinator: string, name: string, msPerFrame: number, workDir: string): Running {
  return start(process.execPath, ['--import=tsx', `--import=${path.join(ROOT, 'src/polyfill.ts')}`, SIM_NODE, coordinator, name, String(msPerFrame), workDir])
}

/** A stand-in .blend for simulated nodes: they never open it. Each one has content of its own, so nodes fetch it. */
export async function fakeBlend (dir: string, bytes = 64 * 1024): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, 'simulated.blend')
  const body = randomBytes(bytes)
  Buffer.from('BLENDER').copy(body)
  await writeFile(file, body)
  return file
}
