import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/** A fresh folder under the OS temp dir, removed when the test ends. */
export async function tempFolder (t: { teardown: (fn: () => Promise<void>) => void }, prefix = 'mf-unit-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}
