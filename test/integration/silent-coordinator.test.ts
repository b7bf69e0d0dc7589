import path from 'node:path'
import { blenderTest } from '../helpers/blender.js'
import { coordinatorAddress, startCli, waitFor } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A coordinator that vanishes without a TCP reset (a power cut, a pulled
// cable; here: SIGSTOP) must not leave its nodes waiting forever.

blenderTest('a node notices a silent coordinator within a few heartbeats and reconnects when it is back', async (t) => {
  const dir = await tempFolder(t, 'mf-silent-')
  const coordinator = startCli(t, ['coordinator', '--no-tui', '--no-advertise', '--port', '0', '--output-dir', path.join(dir, 'out')])
  const address = await coordinatorAddress(coordinator)
  const node = startCli(t, ['node', '--name', 'patient', '--coordinator', address, '--work-dir', path.join(dir, 'node')])
  await waitFor('the node to connect', () => node.output().includes('connected to farm'), 60_000)
  const pid = coordinator.child.pid ?? 0
  process.kill(pid, 'SIGSTOP')
  t.teardown(() => { try { process.kill(pid, 'SIGCONT') } catch { /* already gone */ } })
  const stoppedAt = Date.now()
  await waitFor('the node to notice', () => /session ended: .*the coordinator has been silent for \d+ s/.test(node.output()), 40_000)
  t.true(Date.now() - stoppedAt < 30_000, 'within a few heartbeats')
  process.kill(pid, 'SIGCONT')
  await waitFor('the node to connect again', () => (node.output().match(/connected to farm/g) ?? []).length >= 2, 60_000)
  t.pass()
})
