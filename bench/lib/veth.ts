import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const exec = promisify(execFile)

/**
 * "Another machine on the LAN": a network namespace joined to this one by a
 * veth pair, 10.<a>.<b>.1 here and .2 there. It has its own loopback, so a
 * coordinator's loopback address does not answer in it; this side is reached
 * at `hostIp`. Needs root; removing the namespace removes the pair.
 */
export async function createVethNetns (): Promise<{ name: string, hostIp: string, remove: () => Promise<void> }> {
  const id = randomBytes(2)
  const name = `mf-veth-${id.toString('hex')}`
  const [a, b] = [200 + ((id[0] ?? 0) % 50), id[1] ?? 0]
  const hostIp = `10.${a}.${b}.1`
  const here = `mfh${id.toString('hex')}`
  const there = `mft${id.toString('hex')}`
  await exec('ip', ['netns', 'add', name])
  // Deleting the namespace deletes the pair, both ends.
  const remove = async (): Promise<void> => { await exec('ip', ['netns', 'delete', name]) }
  try {
    await exec('ip', ['link', 'add', here, 'type', 'veth', 'peer', 'name', there])
    await exec('ip', ['link', 'set', there, 'netns', name])
    await exec('ip', ['addr', 'add', `${hostIp}/24`, 'dev', here])
    await exec('ip', ['link', 'set', here, 'up'])
    const inNs = async (...args: string[]): Promise<void> => { await exec('ip', ['netns', 'exec', name, 'ip', ...args]) }
    await inNs('addr', 'add', `10.${a}.${b}.2/24`, 'dev', there)
    await inNs('link', 'set', there, 'up')
    await inNs('link', 'set', 'lo', 'up')
  } catch (err) {
    await remove()
    throw err
  }
  return { name, hostIp, remove }
}
