import test from 'ava'
import type { ExecutionContext } from 'ava'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { runCli, startCli, waitFor } from '../helpers/cli.js'
import { canCreateNetns, createTestNetns } from '../helpers/netns.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A client finds a coordinator it knows without mDNS: the coordinators here
// advertise nothing (--no-advertise), so only the address a coordinator leaves
// in ~/.microfarm/coordinators/ or the farm remembered in
// ~/.microfarm/last-farm.json can lead a plain `microfarm jobs` to it. Each
// test runs in a network namespace of its own, so no other coordinator on this
// machine answers over mDNS when the shortcut fails, and with a HOME of its own.

async function setUp (t: ExecutionContext): Promise<{ netns: string, home: string, env: NodeJS.ProcessEnv, out: string }> {
  const netns = await createTestNetns(t)
  const home = await tempFolder(t, 'mf-home-')
  return { netns, home, env: { HOME: home }, out: path.join(home, 'out') }
}

const peerIdOf = (output: string): string | undefined => /listening as (\S+) on/.exec(output)?.[1]

test('a local jobs reaches a coordinator that does not advertise, by the address it left; the farm is remembered', async (t) => {
  if (!canCreateNetns()) return t.fail('needs root for a network namespace')
  const { netns, home, env, out } = await setUp(t)
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--farm', 'quiet', '--no-tui', '--no-advertise', '--port', '0'], { netns, env })
  const peerId = await waitFor('the coordinator to listen', () => peerIdOf(coordinator.output()))
  const record = path.join(home, '.microfarm', 'coordinators', `${peerId}.json`)
  await waitFor('its address file', async () => (await readdir(path.dirname(record)).catch((): string[] => [])).includes(`${peerId}.json`))

  const jobs = await runCli(['jobs'], { netns, env, timeoutMs: 30_000 })
  t.is(jobs.code, 0, jobs.stderr)
  t.is(jobs.stdout.trim(), 'no jobs')
  const remembered = JSON.parse(await readFile(path.join(home, '.microfarm', 'last-farm.json'), 'utf8')) as { farm?: string, peerId: string }
  t.like(remembered, { farm: 'quiet', peerId })

  // Without its address file, the farm used last still leads there.
  await rm(record)
  const again = await runCli(['jobs', '--json'], { netns, env, timeoutMs: 30_000 })
  t.is(again.code, 0, again.stderr)
  t.deepEqual(JSON.parse(again.stdout), [])
})

test('a coordinator\'s address file is gone after a clean stop', async (t) => {
  if (!canCreateNetns()) return t.fail('needs root for a network namespace')
  const { netns, home, env, out } = await setUp(t)
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--no-tui', '--no-advertise', '--port', '0'], { netns, env })
  const peerId = await waitFor('the coordinator to listen', () => peerIdOf(coordinator.output()))
  const dir = path.join(home, '.microfarm', 'coordinators')
  await waitFor('its address file', async () => (await readdir(dir).catch((): string[] => [])).includes(`${peerId}.json`))
  t.is(await coordinator.stop(), 0)
  t.deepEqual(await readdir(dir), [])
})

test('stale addresses are found by dialing: a killed coordinator\'s file is removed, one nobody answers at is said and ignored', async (t) => {
  if (!canCreateNetns()) return t.fail('needs root for a network namespace')
  const { netns, home, env, out } = await setUp(t)
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--farm', 'killed', '--no-tui', '--no-advertise', '--port', '0'], { netns, env })
  const peerId = await waitFor('the coordinator to listen', () => peerIdOf(coordinator.output()))
  const dir = path.join(home, '.microfarm', 'coordinators')
  await waitFor('its address file', async () => (await readdir(dir).catch((): string[] => [])).includes(`${peerId}.json`))
  coordinator.child.kill('SIGKILL')
  await coordinator.exited
  t.deepEqual(await readdir(dir), [`${peerId}.json`], 'a coordinator killed -9 leaves its file behind')
  // A record whose process lives (this test's) but where nothing listens (the killed one's port): only a dial can tell.
  const killed = JSON.parse(await readFile(path.join(dir, `${peerId}.json`), 'utf8')) as { addresses: string[] }
  const ghostId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const port = /\/tcp\/(\d+)\//.exec(killed.addresses[0] ?? '')?.[1]
  await writeFile(path.join(dir, `${ghostId}.json`), JSON.stringify({ ...killed, farm: 'ghost', peerId: ghostId, addresses: [`/ip4/127.0.0.1/tcp/${port}/p2p/${ghostId}`], pid: process.pid }), { mode: 0o600 })

  const jobs = await runCli(['jobs'], { netns, env, timeoutMs: 60_000 })
  t.not(jobs.code, 0)
  t.regex(jobs.stderr, /ignoring the address farm "ghost" left on this machine: its coordinator does not answer there/)
  t.regex(jobs.stderr, /no coordinator found/)
  t.deepEqual(await readdir(dir), [`${ghostId}.json`], 'the killed coordinator\'s file is removed')
})

test('an invalid option prints the error and a one-line hint, not the whole help', async (t) => {
  const result = await runCli(['submit', 'scene.blend', '--frobnicate'])
  t.is(result.code, 1)
  t.is(result.stderr.trim(), 'error: unknown option \'--frobnicate\'\nsee microfarm submit --help')
  const nested = await runCli(['admins', 'add'])
  t.is(nested.stderr.trim(), 'error: missing required argument \'who\'\nsee microfarm admins add --help')
})
