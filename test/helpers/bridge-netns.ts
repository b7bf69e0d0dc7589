import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const exec = promisify(execFile)

export interface BridgedNetns { name: string, ip: string }

export interface Bridge {
  /** This side's address on the bridge: the test process reaches every namespace through it. */
  hostIp: string
  spaces: BridgedNetns[]
  /** Limits every link to `rateMbit` both ways (tbf on either end: a node's upload and download are each at most that). */
  limit: (rateMbit: number) => Promise<void>
  remove: () => Promise<void>
}

/**
 * "Machines on one switch": `count` network namespaces, each joined by a veth
 * pair to a bridge in this namespace (10.<a>.<b>.<i+1>; the bridge is .254),
 * each link limited to `rateMbit` both ways with tc (tbf on either end), so
 * a node's upload and download are each at most that (now, or later with
 * `limit`). Needs root; removing the namespaces removes their pairs, then the
 * bridge goes.
 */
export async function createBridge (count: number, rateMbit?: number): Promise<Bridge> {
  const id = randomBytes(2).toString('hex')
  const [a, b] = [150 + (parseInt(id.slice(0, 2), 16) % 50), parseInt(id.slice(2), 16)]
  const bridge = `mfbr${id}`
  const spaces: BridgedNetns[] = []
  const remove = async (): Promise<void> => {
    for (const space of spaces) await exec('ip', ['netns', 'delete', space.name]).catch(() => undefined)
    await exec('ip', ['link', 'delete', bridge]).catch(() => undefined)
  }
  try {
    await exec('ip', ['link', 'add', 'name', bridge, 'type', 'bridge'])
    await exec('ip', ['addr', 'add', `10.${a}.${b}.254/24`, 'dev', bridge])
    await exec('ip', ['link', 'set', bridge, 'up'])
    for (let i = 0; i < count; i++) {
      const name = `mf-br-${id}-${i}`
      const here = `mfb${id}${i}`
      const ip = `10.${a}.${b}.${i + 1}`
      await exec('ip', ['netns', 'add', name])
      spaces.push({ name, ip })
      const inNs = async (...args: string[]): Promise<void> => { await exec('ip', ['netns', 'exec', name, ...args]) }
      await exec('ip', ['link', 'add', here, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name])
      await exec('ip', ['link', 'set', here, 'master', bridge])
      await exec('ip', ['link', 'set', here, 'up'])
      await inNs('ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0')
      await inNs('ip', 'link', 'set', 'eth0', 'up')
      await inNs('ip', 'link', 'set', 'lo', 'up')
    }
  } catch (err) {
    await remove()
    throw err
  }
  const limit = async (mbit: number): Promise<void> => {
    const tbf = ['root', 'tbf', 'rate', `${mbit}mbit`, 'burst', '256kb', 'latency', '100ms']
    for (const [i, space] of spaces.entries()) {
      // Egress of either end: the bridge side shapes what the namespace receives, its own end what it sends.
      await exec('tc', ['qdisc', 'replace', 'dev', `mfb${id}${i}`, ...tbf])
      await exec('ip', ['netns', 'exec', space.name, 'tc', 'qdisc', 'replace', 'dev', 'eth0', ...tbf])
    }
  }
  if (rateMbit !== undefined) await limit(rateMbit).catch(async (err: unknown) => { await remove(); throw err })
  return { hostIp: `10.${a}.${b}.254`, spaces, limit, remove }
}
