import path from 'node:path'
import { blenderTest } from '../helpers/blender.js'
import { startCli, waitFor } from '../helpers/cli.js'
import { canCreateNetns, createTestNetns } from '../helpers/netns.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A node belongs to the farm it joined: when that coordinator goes away it
// waits for it, and never drifts into another team's farm on the same LAN.
// Real mDNS, in a network namespace of the test's own.

blenderTest('a node that joined farm "one" waits for it when it goes, ignores farm "two", and rejoins "one"', async (t) => {
  if (!canCreateNetns()) {
    t.fail('this test creates a network namespace for mDNS and must run as root')
    return
  }
  const netns = await createTestNetns(t)
  const dir = await tempFolder(t, 'mf-membership-')
  const coordinator = (farm: string): ReturnType<typeof startCli> =>
    startCli(t, ['coordinator', '--output-dir', path.join(dir, farm), '--farm', farm, '--no-tui', '--port', farm === 'one' ? '9191' : '9292'], { netns })
  let one = coordinator('one')
  await waitFor('farm one to listen', () => one.output().includes('listening as'))
  const node = startCli(t, ['node', '--name', 'loyal', '--work-dir', path.join(dir, 'node')], { netns })
  await waitFor('the node to join farm one', () => node.output().includes('connected to farm "one"'), 60_000)

  const two = coordinator('two')
  await waitFor('farm two to listen', () => two.output().includes('listening as'))
  await one.stop()
  await waitFor('the node to lose farm one', () => node.output().includes('lost the coordinator'), 60_000)
  // Long enough for farm two to be found over and over (a negative check: nothing to poll for).
  await new Promise(resolve => setTimeout(resolve, 4000))
  t.false(node.output().includes('connected to farm "two"'), 'the node must not drift into farm two')
  t.false(two.output().includes('node joined: loyal'))
  t.regex(node.output(), /lost the coordinator of farm "one"; waiting for it to come back/)

  one = coordinator('one')
  await waitFor('the node to rejoin farm one', () => (node.output().match(/connected to farm "one"/g) ?? []).length >= 2, 60_000)
  t.is(node.child.exitCode, null, 'two farms on the LAN did not make the node exit')
})
