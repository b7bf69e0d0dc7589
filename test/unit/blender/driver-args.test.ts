import test from 'ava'
import { driverArgs } from '../../../src/blender/driver-args.js'
import { BlenderPool } from '../../../src/node/blender-pool.js'
import type { BlenderDriver, BlenderDriverOptions } from '../../../src/blender/blender-driver.js'
import { runProcess } from '../../../src/process/run-process.js'

test('the driver\'s command line: -t first when --threads is given, the scene and the driver after', t => {
  t.deepEqual(driverArgs({ script: '/s/microfarm_driver.py', port: 4100, token: 'abc', threads: 1 }),
    ['-t', '1', '-b', '-Y', '--python', '/s/microfarm_driver.py', '--', '4100', 'abc'])
  t.deepEqual(driverArgs({ script: '/s/d.py', port: 1, token: 't', blendPath: '/j/scene.blend' }),
    ['-b', '/j/scene.blend', '-Y', '--python', '/s/d.py', '--', '1', 't'])
})

test('the pool starts every Blender with the node\'s threads and runner', async t => {
  const started: BlenderDriverOptions[] = []
  const pool = new BlenderPool({ path: '/usr/bin/blender', version: '3.4.1' }, {
    threads: 2,
    run: runProcess,
    start: async (options) => {
      started.push(options)
      return { alive: true, stop: async () => {} } as unknown as BlenderDriver
    },
  })
  pool.warm()
  await pool.stopAll()
  t.is(started.length, 1)
  t.is(started[0]?.threads, 2)
  t.is(started[0]?.run, runProcess)
})
