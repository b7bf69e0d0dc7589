import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { coordinatorAddress, jobsJson, runCli, startCli } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { HostilePeer } from '../helpers/hostile-peer.js'

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

blenderTest('another user cannot cancel or delete a job; its owner and the farm\'s admins can; a render node\'s identity cannot control at all', async (t) => {
  const dir = await tempFolder(t, 'mf-rules-')
  const home = (who: string): NodeJS.ProcessEnv => ({ HOME: path.join(dir, who) })
  // The coordinator runs as "boss": boss's CLI on this machine is an admin.
  const coordinator = startCli(t, ['coordinator', '--output-dir', path.join(dir, 'out'), '--port', '0', '--no-advertise', '--no-tui'], { env: home('boss') })
  const address = await coordinatorAddress(coordinator)
  const blend = await makeScene(dir, { frames: 3 })
  const as = async (who: string, args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> => runCli([...args, '--coordinator', address], { env: home(who) })
  t.is((await as('ann', ['submit', blend, '--frames', '1-2', '--no-encode', '--as', 'ann'])).code, 0)
  t.is((await as('bob', ['submit', blend, '--frames', '3', '--no-encode', '--as', 'bob'])).code, 0)

  const refused = await as('bob', ['cancel', '1'])
  t.is(refused.code, 1)
  t.regex(refused.stderr, /job 1 belongs to ann; ask them or a farm admin/)
  t.regex((await as('bob', ['delete', '1', '--yes'])).stderr, /job 1 belongs to ann/)
  t.regex((await as('bob', ['admins', 'add', 'bob'])).stderr, /only a farm admin adds or removes admins/)
  t.is((await as('ann', ['pause', '1'])).code, 0, 'the owner may')
  t.is((await as('boss', ['cancel', '2'])).code, 0, 'the coordinator\'s own user is an admin')
  const added = await as('boss', ['admins', 'add', 'ann'])
  t.regex(added.stdout, /^ann \(12D3Koo\w+\) is a farm admin now/)
  t.regex((await as('bob', ['admins', 'list'])).stdout, /admins: ann \(12D3Koo\w+\)/)
  t.is((await as('ann', ['delete', '2', '--yes'])).code, 0, 'an admin may delete another\'s job')
  const jobs = await jobsJson(address)
  t.deepEqual(jobs.map(j => [j.id, j.state]), [['1', 'paused']])

  // A render node's identity: it may render, never control.
  const node = await HostilePeer.start(t, address)
  await node.session('render1')
  const reply = await node.admin({ type: 'job-action', action: 'cancel', jobId: '1' })
  t.regex(reply, /a render node's identity cannot submit or control jobs/)
  t.regex(await node.admin({ type: 'list-jobs' }), /a render node's identity cannot submit or control jobs/, 'not even a list')
})
