import { randomBytes } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import test from 'ava'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { readFarmKey } from '../../src/net/farm-key.js'
import { createHost } from '../../src/net/host.js'
import { ephemeralIdentity } from '../../src/net/identity.js'
import { blendOnlyProject } from '../../src/project/local-project.js'
import { ADMIN_PROTOCOL, SESSION_PROTOCOL } from '../../src/protocol/constants.js'
import { coordinatorAddress, runCli, startCli, waitFor } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { pngNote } from '../helpers/tiny-png.js'

// A private farm (issue 12): only machines holding the farm key connect at
// all; with the key, a whole job renders, its 6 MB scene included (TCP +
// yamux + pnet once stalled transfers at about 4 MB).

const SIM_NODE = fileURLToPath(new URL('../fixtures/sim-node.ts', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../../src/polyfill.ts', import.meta.url))

test('a private farm: no key or a wrong key cannot open any stream, the refusal is logged once; with the key a 6 MB job renders', async (t) => {
  const dir = await tempFolder(t, 'mf-private-')
  const keyFile = path.join(dir, 'farm.key')
  const made = await runCli(['key', 'new', keyFile])
  t.is(made.code, 0, made.stderr)
  t.regex(made.stdout, /wrote a new farm key to .*farm\.key \(readable by you only\)/)
  t.is((await stat(keyFile)).mode & 0o777, 0o600)
  const secret = (await readFile(keyFile, 'utf8')).split('\n')[2] ?? ''
  const otherKey = path.join(dir, 'other.key')
  t.is((await runCli(['key', 'new', otherKey])).code, 0)

  const out = path.join(dir, 'out')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui', '--key', keyFile])
  const address = await coordinatorAddress(coordinator)
  await waitFor('the startup notes', () => coordinator.output().includes('private farm: only machines with the farm key can join'))

  // Peers without the key, and with another farm's key: every dial fails.
  const strangers = [
    await createHost({ privateKey: await ephemeralIdentity() }),
    await createHost({ privateKey: await ephemeralIdentity(), farmKey: await readFarmKey(otherKey) }),
  ]
  t.teardown(async () => { await Promise.all(strangers.map(async host => host.stop())) })
  let failed = 0
  for (const host of strangers) {
    for (const protocol of [SESSION_PROTOCOL, ADMIN_PROTOCOL, SESSION_PROTOCOL]) {
      try {
        const stream = await host.dialProtocol(multiaddr(address), protocol, { signal: AbortSignal.timeout(5000) })
        stream.abort(new Error('should not have opened'))
      } catch {
        failed++
      }
    }
  }
  t.is(failed, 6, 'no stream opened without the farm key')
  await waitFor('the refusal in the log', () => coordinator.output().includes("from a peer without this farm's key"))
  t.is(coordinator.output().match(/without this farm's key/g)?.length, 1, 'said once, not for every attempt')

  // The CLI without the key says what to do; with MICROFARM_KEY it works.
  const noKey = await runCli(['jobs', '--coordinator', address], { timeoutMs: 30_000 })
  t.not(noKey.code, 0)
  t.regex(noKey.stderr, /if the farm is private, pass --key FILE/)
  const withEnv = await runCli(['jobs', '--coordinator', address], { env: { MICROFARM_KEY: keyFile }, timeoutMs: 30_000 })
  t.is(withEnv.code, 0, withEnv.stderr)

  // With the key: a node joins and renders a job whose scene is 6 MB.
  startCli(t, [], { command: [process.execPath, '--import=tsx', `--import=${POLYFILL}`, SIM_NODE, address, 'keyed', '50', path.join(dir, 'work')], env: { MICROFARM_KEY: keyFile } })
  await waitFor('the node to join', () => coordinator.output().includes('node joined: keyed'), 60_000)
  const blend = path.join(dir, 'big.blend')
  await writeFile(blend, Buffer.concat([Buffer.from('BLENDER-v304'), randomBytes(6 * 1024 * 1024)]))
  const client = await CoordinatorClient.connect({ coordinator: address, key: keyFile })
  t.teardown(async () => { await client.close() })
  const { jobId } = await client.submit(await blendOnlyProject(blend, 'big.blend'), {
    name: 'big.blend', frames: '1-4', chunk: 1, format: 'PNG', priority: 0,
    encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
  })
  await waitFor('the job to complete', async () => (await client.listJobs()).find(j => j.id === jobId)?.state === 'completed', 60_000, 200)
  const frames = (await readdir(path.join(out, `job_${jobId}`))).filter(name => name.startsWith('frame_')).sort()
  t.is(frames.length, 4)
  t.is(pngNote(await readFile(path.join(out, `job_${jobId}`, frames[0] ?? ''))), `frame 1 of job ${jobId}`)

  // The key is nowhere it could leak: not in the coordinator's output, nor its state.
  t.false(coordinator.output().includes(secret))
  for (const name of await readdir(out)) {
    if (name.endsWith('.json')) t.false((await readFile(path.join(out, name), 'utf8')).includes(secret), name)
  }
})
