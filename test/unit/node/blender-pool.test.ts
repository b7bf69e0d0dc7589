import test from 'ava'
import type { BlenderDriver, BlenderDriverOptions } from '../../../src/blender/blender-driver.js'
import { BlenderPool } from '../../../src/node/blender-pool.js'
import type { LoadableScene } from '../../../src/node/blender-pool.js'

// The node's Blender processes, with stand-in drivers that record what is
// asked of them: which scenes get a Blender, which are reused, who quits when.

interface FakeDriver { id: number, blendPath: string | undefined, alive: boolean, stops: number, quit: () => void }

function fakes (): { start: (options: BlenderDriverOptions) => Promise<BlenderDriver>, started: FakeDriver[] } {
  const started: FakeDriver[] = []
  const start = async (options: BlenderDriverOptions): Promise<BlenderDriver> => {
    let quit: () => void = () => {}
    const quitted = new Promise<void>(resolve => { quit = resolve })
    const fake: FakeDriver = { id: started.length + 1, blendPath: options.blendPath, alive: true, stops: 0, quit }
    started.push(fake)
    const driver = {
      get alive () { return fake.alive },
      open: async (blendPath: string) => { fake.blendPath = blendPath; return [] },
      // Quitting takes until the test says so.
      stop: async () => { fake.stops++; await quitted; fake.alive = false },
    }
    return driver as unknown as BlenderDriver
  }
  return { start, started }
}

const blender = { path: '/usr/bin/blender', version: '3.4.1' }

function scene (blendPath: string): LoadableScene {
  return { blendPath, remap: [], allowedMissing: [] }
}

/** Fails fast instead of hanging when the pool waits for something it should not. */
async function within<T> (what: string, promise: Promise<T>, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

test('a job with the same .blend content reuses the loaded Blender; cancelling the old job leaves it alone', async (t) => {
  const { start, started } = fakes()
  const pool = new BlenderPool(blender, { start })
  const first = await within('job 1', pool.driverFor('1', scene('/cache/aaa.blend')))
  const second = await within('job 2', pool.driverFor('2', scene('/cache/aaa.blend')))
  t.is(second, first)
  t.is(started.length, 1)
  await pool.stopJob('1')
  t.is(started[0]?.stops, 0, 'job 1 no longer owns the Blender that job 2 renders with')
})

test('another scene: the next Blender starts while the old one is still quitting', async (t) => {
  const { start, started } = fakes()
  const pool = new BlenderPool(blender, { start })
  await within('job 1', pool.driverFor('1', scene('/cache/aaa.blend')))
  await within('job 2, while the first Blender has not quit', pool.driverFor('2', scene('/cache/bbb.blend')))
  t.deepEqual(started.map(d => [d.blendPath, d.stops, d.alive]), [['/cache/aaa.blend', 1, true], ['/cache/bbb.blend', 0, true]])
  let stopped = false
  const stopping = pool.stopAll().then(() => { stopped = true })
  started[1]?.quit()
  await new Promise(resolve => setTimeout(resolve, 50))
  t.false(stopped, 'stopAll still waits for the first Blender, which is quitting')
  started[0]?.quit()
  await within('stopAll', stopping)
  t.deepEqual(started.map(d => d.alive), [false, false])
})

test('idle a while, a spare Blender starts beside the loaded scene, and the next scene opens in it', async (t) => {
  const { start, started } = fakes()
  let warm = 0
  const pool = new BlenderPool(blender, { start, spareAfterIdleMs: 20, onWarm: () => { warm++ } })
  t.teardown(async () => { for (const d of started) d.quit(); await pool.stopAll() })
  await within('job 1', pool.driverFor('1', scene('/cache/aaa.blend')))
  pool.idle()
  await within('the spare', (async () => { while (warm === 0) await new Promise(resolve => setTimeout(resolve, 5)) })())
  t.deepEqual(started.map(d => [d.blendPath, d.stops]), [['/cache/aaa.blend', 0], [undefined, 0]], 'the loaded scene stays; an empty Blender waits beside it')
  await within('job 2', pool.driverFor('2', scene('/cache/bbb.blend')))
  t.is(started.length, 2, 'the new scene opened in the spare: no Blender started for it')
  t.deepEqual(started.map(d => d.blendPath), ['/cache/aaa.blend', '/cache/bbb.blend'])
})

test('a frame that comes soon after the queue ran dry starts no spare', async (t) => {
  const { start, started } = fakes()
  const pool = new BlenderPool(blender, { start, spareAfterIdleMs: 100 })
  t.teardown(async () => { for (const d of started) d.quit(); await pool.stopAll() })
  await within('job 1', pool.driverFor('1', scene('/cache/aaa.blend')))
  pool.idle()
  await within('job 1 again', pool.driverFor('1', scene('/cache/aaa.blend')))
  await new Promise(resolve => setTimeout(resolve, 200))
  t.is(started.length, 1)
})
