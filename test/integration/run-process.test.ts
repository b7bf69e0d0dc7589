import test from 'ava'
import { ProgramNotFoundError, runProcess } from '../../src/process/run-process.js'

// onSpawned is how `submit` starts loading libp2p only once its Blender runs (commands/submit.ts).

test('onSpawned is told once, before anything the process prints', async t => {
  const events: string[] = []
  const result = await runProcess({
    command: '/bin/sh', args: ['-c', 'read line; echo "got $line"'], timeoutMs: 10_000,
    onSpawned: () => events.push('spawned'),
    onStdoutLine: line => events.push(line),
  })
  t.is(result.exitCode, 0)
  // stdin is /dev/null: read ends at once, so "got " is what the shell says after it started.
  t.deepEqual(events, ['spawned', 'got '])
})

test('a program that is not there is never said to be spawned', async t => {
  let spawned = 0
  await t.throwsAsync(runProcess({ command: '/nonexistent/blender', args: [], timeoutMs: 10_000, onSpawned: () => { spawned++ } }), { instanceOf: ProgramNotFoundError })
  t.is(spawned, 0)
})
