import { stat } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { coordinatorAddress, runCli, startCli, waitFor } from '../helpers/cli.js'
import type { CliProcess } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A node is known by its peer id (names are for people): the id must survive
// a restart, and two nodes must never share one work folder (they would share
// the id, the cache and the frames waiting to upload).

async function peerIdOf (node: CliProcess): Promise<string> {
  return waitFor('the node to connect', () => /connected to farm "\S+" at \S+ as \S+ \(peer id (\w+)\)/.exec(node.output())?.[1], 60_000)
}

test('a node keeps its peer id across restarts; a second node on the same work folder is refused', async (t) => {
  const dir = await tempFolder(t, 'mf-node-id-')
  const coordinator = startCli(t, ['coordinator', '--output-dir', path.join(dir, 'out'), '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const work = path.join(dir, 'work')
  const args = ['node', '--coordinator', address, '--work-dir', work, '--name', 'desk']
  const first = startCli(t, args)
  const id = await peerIdOf(first)

  const second = await runCli(args, { timeoutMs: 30_000 })
  t.not(second.code, 0)
  t.regex(second.stderr, new RegExp(`${work.replace(/[/\\]/g, '.')} is in use by another node \\(pid ${first.child.pid ?? 0} on .*\\): stop it first, or give this one another --work-dir`))
  t.notRegex(second.stderr, /\n\s+at /, 'one sentence, no stack trace')

  await first.stop()
  const again = startCli(t, args)
  t.is(await peerIdOf(again), id, 'the same peer id after a restart')
  t.is((await stat(path.join(work, 'node-key'))).mode & 0o777, 0o600, 'the key is readable by its owner only')
})
