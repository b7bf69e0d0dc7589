import test from 'ava'
import path from 'node:path'
import { runCli, startCli, waitFor } from '../helpers/cli.js'
import type { CliResult } from '../helpers/cli.js'
import { canCreateNetns, createTestNetns } from '../helpers/netns.js'
import { tempFolder } from '../helpers/temp-folder.js'

// `microfarm farms` against real coordinators, in a network namespace of its
// own (multicast on its loopback: real mDNS that no other test's coordinator
// reaches). One coordinator advertises; one does not and is private, so only
// the address it leaves in its user's ~/.microfarm/coordinators/ shows it. A
// second user (another HOME) knows neither: mDNS alone answers there.

interface FarmJson { name: string | null, peerId: string, addresses: string[], private: boolean, source: string, sources: string[] }

const peerIdOf = (output: string): string | undefined => /listening as (\S+) on/.exec(output)?.[1]

function parsed (result: CliResult): FarmJson[] {
  if (result.code !== 0) throw new Error(`microfarm farms --json failed (${result.code}): ${result.stderr}`)
  return JSON.parse(result.stdout) as FarmJson[]
}

test('farms lists a coordinator answering on mDNS, and this user\'s coordinators that do not advertise; --json is the stable list', async (t) => {
  if (!canCreateNetns()) return t.fail('this test creates a network namespace for mDNS and must run as root')
  const netns = await createTestNetns(t)
  const home = await tempFolder(t, 'mf-farms-home-')
  const stranger = await tempFolder(t, 'mf-farms-other-')
  const env = { HOME: home }
  const made = await runCli(['key', 'new', path.join(home, 'farm.key')], { env })
  t.is(made.code, 0, made.stderr)

  const open = startCli(t, ['coordinator', '--output-dir', path.join(home, 'open'), '--farm', 'loud', '--no-tui', '--port', '0'], { netns, env, timeoutMs: 120_000 })
  const quiet = startCli(t, ['coordinator', '--output-dir', path.join(home, 'quiet'), '--farm', 'quiet', '--no-tui', '--no-advertise', '--port', '0', '--key', path.join(home, 'farm.key')], { netns, env, timeoutMs: 120_000 })
  const loudId = await waitFor('the advertising coordinator to listen', () => peerIdOf(open.output()), 30_000)
  const quietId = await waitFor('the quiet coordinator to listen', () => peerIdOf(quiet.output()), 30_000)

  // Another user's machine, as far as the records go: only mDNS can tell it about a farm.
  const heard = await waitFor('the advertising farm to answer on mDNS', async () => {
    const farms = parsed(await runCli(['farms', '--json', '--timeout-ms', '1500'], { netns, env: { HOME: stranger }, timeoutMs: 20_000 }))
    return farms.length > 0 ? farms : undefined
  }, 30_000, 500)
  t.deepEqual(heard.map(f => [f.name, f.peerId, f.private, f.source, f.sources]), [['loud', loudId, false, 'mdns', ['mdns']]], 'the quiet one advertises nothing')
  t.true(heard[0]?.addresses.every(a => /^\/ip4\/[\d.]+\/tcp\/\d+\/p2p\//.test(a) && a.endsWith(`/p2p/${loudId}`)), JSON.stringify(heard[0]?.addresses))

  const started = Date.now()
  const mine = parsed(await runCli(['farms', '--json', '--timeout-ms', '1500'], { netns, env, timeoutMs: 20_000 }))
  t.true(Date.now() - started < 10_000, 'the browse ends on its own')
  t.deepEqual(mine.map(f => [f.name, f.peerId, f.private, f.source, f.sources]), [
    ['loud', loudId, false, 'local', ['local', 'mdns']],
    ['quiet', quietId, true, 'local', ['local']],
  ])
  t.regex(mine[1]?.addresses[0] ?? '', new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${quietId}$`), 'loopback first')

  const text = await runCli(['farms', '--timeout-ms', '1500'], { netns, env, timeoutMs: 20_000 })
  t.is(text.code, 0, text.stderr)
  const lines = text.stdout.trim().split('\n')
  t.regex(lines[0] ?? '', /^FARM\s+ACCESS\s+PEER\s+ADDRESS\s+FOUND$/)
  t.regex(lines[1] ?? '', new RegExp(`^loud\\s+open\\s+${loudId.slice(0, 6)}…${loudId.slice(-6)}\\s+/ip4/127\\.0\\.0\\.1/tcp/\\d+( \\(\\+\\d+\\))?\\s+this machine, mDNS$`))
  t.regex(lines[2] ?? '', /^quiet\s+private\s+\S+\s+\/ip4\/127\.0\.0\.1\/tcp\/\d+.*\s+this machine$/)

  // Stopped cleanly, both are gone from the list: the goodbye withdraws the record, the file is removed.
  t.is(await open.stop(), 0)
  t.is(await quiet.stop(), 0)
  const after = await runCli(['farms', '--timeout-ms', '1500'], { netns, env: { HOME: stranger }, timeoutMs: 20_000 })
  t.is(after.code, 0, after.stderr)
  t.regex(after.stdout, /^no farms found: none known on this machine, none answered on mDNS within 1\.5 s\./)
})
