import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const SCENE_SCRIPT = fileURLToPath(new URL('../../test/fixtures/make-scene.py', import.meta.url))

/** The acceptance scene (Cycles, CPU, no denoising) made with real Blender. */
export async function makeScene (dir: string, o: { frames: number, width: number, height: number, samples: number, variant?: number }): Promise<string> {
  const variant = o.variant ?? 0
  const out = path.join(dir, `bench-${o.frames}f-${o.width}x${o.height}-${o.samples}s${variant > 0 ? `-v${variant}` : ''}.blend`)
  const args = ['-b', '--factory-startup', '-noaudio', '--python-exit-code', '1', '--python', SCENE_SCRIPT, '--', out,
    '--frames', String(o.frames), '--width', String(o.width), '--height', String(o.height), '--samples', String(o.samples), '--variant', String(variant)]
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.env.BLENDER ?? 'blender', args, { stdio: 'ignore' })
    child.once('error', reject)
    child.once('close', (code) => code === 0 ? resolve() : reject(new Error(`make-scene.py exited with ${code}`)))
  })
  return out
}
