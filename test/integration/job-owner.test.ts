import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { coordinatorAddress, jobsJson, runCli, startCli } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { blenderTest, makeScene } from '../helpers/blender.js'

// Identity for people (issue 12): each user's CLI has a key of its own in the
// user's MicroFarm folder, made on first use; a job records who submitted it.

blenderTest('a job records its owner: the submitting user\'s peer id and the name given with --as (default user@host)', async (t) => {
  const dir = await tempFolder(t, 'mf-owner-')
  const coordinator = startCli(t, ['coordinator', '--output-dir', path.join(dir, 'out'), '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const blend = await makeScene(dir, { frames: 3 })
  const ann = { HOME: path.join(dir, 'ann') }
  const first = await runCli(['submit', blend, '--frames', '1-2', '--no-encode', '--as', 'ann', '--coordinator', address], { env: ann })
  t.is(first.code, 0, first.stderr)
  const second = await runCli(['submit', blend, '--frames', '3', '--no-encode', '--coordinator', address], { env: { HOME: path.join(dir, 'bob') } })
  t.is(second.code, 0, second.stderr)
  const annKey = privateKeyFromProtobuf(await readFile(path.join(dir, 'ann', '.microfarm', 'identity.key')))
  const bobKey = privateKeyFromProtobuf(await readFile(path.join(dir, 'bob', '.microfarm', 'identity.key')))
  const jobs = await jobsJson(address)
  t.deepEqual(jobs.map(job => (job as { owner?: unknown }).owner), [
    { peerId: peerIdFromPrivateKey(annKey).toString(), name: 'ann' },
    { peerId: peerIdFromPrivateKey(bobKey).toString(), name: `${(await import('node:os')).userInfo().username}@${(await import('node:os')).hostname()}` },
  ])
  const table = await runCli(['jobs', '--coordinator', address], { env: ann })
  t.regex(table.stdout, /^ID\s+NAME\s+OWNER\s+STATE/m)
  t.regex(table.stdout, new RegExp(`^1\\s+${path.basename(blend).replace(/\./g, '\\.')}\\s+ann\\s+`, 'm'))
})
