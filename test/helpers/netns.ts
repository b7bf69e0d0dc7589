import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import type { ExecutionContext } from 'ava'

const exec = promisify(execFile)

/**
 * A private network namespace with only a loopback interface, set up for
 * multicast, so mDNS tests cannot see (or be seen by) anything else on this
 * machine or any network: `ip link set lo multicast on` plus a multicast route
 * on lo. Needs root (CI runs as root). Removed in teardown.
 */
export async function createTestNetns (t: ExecutionContext): Promise<string> {
  const name = `mf-test-${randomBytes(4).toString('hex')}`
  await exec('ip', ['netns', 'add', name])
  t.teardown(async () => { await exec('ip', ['netns', 'delete', name]) })
  const inNs = async (...args: string[]): Promise<void> => { await exec('ip', ['netns', 'exec', name, 'ip', ...args]) }
  await inNs('link', 'set', 'lo', 'up')
  await inNs('link', 'set', 'lo', 'multicast', 'on')
  await inNs('route', 'add', '224.0.0.0/4', 'dev', 'lo')
  return name
}

/** Network namespaces need root; say why a test cannot run rather than fail obscurely. */
export function canCreateNetns (): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}
