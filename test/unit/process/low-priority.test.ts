import test from 'ava'
import { lowPriorityCommand, lowPriorityRunner } from '../../../src/process/low-priority.js'
import { ProgramNotFoundError } from '../../../src/process/run-process.js'
import type { RunProcessOptions } from '../../../src/process/run-process.js'

test('--nice starts Blender under nice and ionice, or what of them there is', t => {
  t.deepEqual(lowPriorityCommand('/usr/bin/blender', ['-b', '-Y'], { nice: '/usr/bin/nice', ionice: '/usr/bin/ionice' }),
    { command: '/usr/bin/nice', args: ['-n', '10', '/usr/bin/ionice', '-c', '3', '-t', '/usr/bin/blender', '-b', '-Y'] })
  t.deepEqual(lowPriorityCommand('/b', ['-b'], { nice: '/usr/bin/nice' }), { command: '/usr/bin/nice', args: ['-n', '10', '/b', '-b'] })
  t.deepEqual(lowPriorityCommand('/b', ['-b'], { ionice: '/i' }), { command: '/i', args: ['-c', '3', '-t', '/b', '-b'] })
})

test('the runner wraps the command, says a program that is not there, and lowers priority itself without the tools', async t => {
  const calls: RunProcessOptions[] = []
  const missing = lowPriorityRunner({ nice: '/usr/bin/nice' }, async (options) => { calls.push(options); return { exitCode: 127, signal: null } })
  await t.throwsAsync(missing({ command: '/gone/blender', args: ['-b'] }), { instanceOf: ProgramNotFoundError, message: /\/gone\/blender/ })
  t.is(calls[0]?.command, '/usr/bin/nice')
  const bare = lowPriorityRunner({}, async (options) => { calls.push(options); return { exitCode: 0, signal: null } })
  await bare({ command: '/b', args: [] })
  t.like(calls[1], { command: '/b', lowerPriority: true })
})
