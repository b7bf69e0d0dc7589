import { createServer } from 'node:net'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { coordinatorAddress, runCli, startCli } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A second coordinator on the same output folder, or on a port in use, says
// so in one sentence and touches nothing of the first one's state.

test('a second coordinator on the same output folder is refused before it reads or writes anything', async (t) => {
  const dir = await tempFolder(t, 'mf-lock-farm-')
  const out = path.join(dir, 'out')
  const first = startCli(t, ['coordinator', '--no-tui', '--no-advertise', '--port', '0', '--output-dir', out])
  const address = await coordinatorAddress(first)
  const submit = await runCli(['submit', path.join(dir, 'none.blend'), '--coordinator', address])
  t.is(submit.code, 1)
  const before = (await readdir(path.join(out, '.microfarm'))).sort()
  const identity = await readFile(path.join(out, '.microfarm', 'identity.key'))
  const second = await runCli(['coordinator', '--no-tui', '--no-advertise', '--port', '0', '--output-dir', out], { timeoutMs: 30_000 })
  t.is(second.code, 1)
  t.regex(second.stderr, /^microfarm: .*out is in use by another coordinator \(pid \d+ on .*\): stop it first, or give this one another --output-dir\n$/)
  t.deepEqual((await readdir(path.join(out, '.microfarm'))).sort(), before)
  t.deepEqual(await readFile(path.join(out, '.microfarm', 'identity.key')), identity)
  t.is(first.child.exitCode, null, 'the first coordinator runs on')
})

test('a port in use is one plain sentence, and the folder is left unlocked', async (t) => {
  const dir = await tempFolder(t, 'mf-port-')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', () => resolve()))
  t.teardown(() => { server.close() })
  const port = (server.address() as { port: number }).port
  const out = path.join(dir, 'out')
  const refused = await runCli(['coordinator', '--no-tui', '--no-advertise', '--port', String(port), '--output-dir', out], { timeoutMs: 30_000 })
  t.is(refused.code, 1)
  t.is(refused.stderr, `microfarm: port ${port} is in use (another coordinator?): stop whatever listens there, or pass --port with another port (0 = any free one)\n`)
  t.false((await readdir(path.join(out, '.microfarm'))).includes('lock'))
})
