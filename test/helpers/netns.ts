import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import type { ExecutionContext } from 'ava'

const exec = promisify(execFile)

/**
 * A private network namespace with only a loopback interface, set up for
 * multicast (`ip link set lo multicast on` plus a multicast route on lo), so
 * mDNS traffic cannot reach (or be reached from) anything else on this machine
 * or any network. Needs root. Used by tests and benchmarks alike.
 */
export async function createNetns (prefix = 'mf'): Promise<{ name: string, remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`
  await exec('ip', ['netns', 'add', name])
  const remove = async (): Promise<void> => { await exec('ip', ['netns', 'delete', name]) }
  try {
    const inNs = async (...args: string[]): Promise<void> => { await exec('ip', ['netns', 'exec', name, 'ip', ...args]) }
    await inNs('link', 'set', 'lo', 'up')
    await inNs('link', 'set', 'lo', 'multicast', 'on')
    await inNs('route', 'add', '224.0.0.0/4', 'dev', 'lo')
  } catch (err) {
    await remove()
    throw err
  }
  return { name, remove }
}

/** createNetns for a test: removed in teardown. */
export async function createTestNetns (t: ExecutionContext): Promise<string> {
  const { name, remove } = await createNetns('mf-test')
  t.teardown(remove)
  return name
}

/** Network namespaces need root; say why a test cannot run rather than fail obscurely. */
export function canCreateNetns (): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}
