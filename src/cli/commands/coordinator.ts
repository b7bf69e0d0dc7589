import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { Coordinator } from '../../coordinator/coordinator.js'
import { formatEvent } from '../../coordinator/event-log.js'
import { Dashboard } from '../../tui/dashboard.js'
import { logLine } from '../log.js'
import { untilSignal } from '../signals.js'
import { findBlenderIfInstalled } from '../../blender/find-blender.js'
import { readFarmKey } from '../../net/farm-key.js'
import { errorMessage } from '../../util/error-message.js'
import { CoordinatorHeap } from '../heap-policy.js'

export interface CoordinatorFlags {
  port: number
  outputDir: string
  farm?: string
  tui: boolean
  advertise: boolean
  nodeTimeout: number
  frameTimeout: number
  statsInterval: number
  maxAttempts: number
  ffmpeg?: string
  key?: string
}

export async function runCoordinator (flags: CoordinatorFlags): Promise<number> {
  // Small while it schedules, roomy while it sends pieces (see heap-policy.ts).
  const heap = new CoordinatorHeap()
  const farmName = flags.farm ?? hostname()
  const farmKey = flags.key !== undefined ? await readFarmKey(flags.key) : undefined
  const coordinator = new Coordinator({
    ...(farmKey !== undefined ? { farmKey } : {}),
    farmName,
    outputDir: resolve(flags.outputDir),
    port: flags.port,
    advertise: flags.advertise,
    nodeTimeoutMs: flags.nodeTimeout * 1000,
    frameTimeoutMs: flags.frameTimeout * 1000,
    statsIntervalMs: flags.statsInterval * 1000,
    policy: { maxAttempts: flags.maxAttempts, blocklistAfter: 3 },
    ...(flags.ffmpeg !== undefined ? { ffmpegPath: flags.ffmpeg } : {}),
    // Looked up when the new-job form needs it: a coordinator without Blender starts as fast.
    findBlender: async () => findBlenderIfInstalled(),
    pieceStreams: heap,
  })
  // The UI needs a terminal on both ends: keys in, screen out.
  const tui = flags.tui && process.stdout.isTTY && process.stdin.isTTY
  return tui ? runWithDashboard(coordinator, flags, farmName) : runHeadless(coordinator, flags)
}

/** One log line per event. */
async function runHeadless (coordinator: Coordinator, flags: CoordinatorFlags): Promise<number> {
  coordinator.events.on((event) => {
    const line = formatEvent(event)
    if (line !== undefined) logLine(line)
  })
  await coordinator.start()
  const forget = await leaveLocalAddress(coordinator, flags, logLine)
  for (const line of startupNotes(coordinator, flags)) logLine(line)
  const signal = await untilSignal()
  logLine(`${signal}: shutting down`)
  await forget()
  for (const line of await coordinator.stop()) logLine(line)
  return 0
}

async function runWithDashboard (coordinator: Coordinator, flags: CoordinatorFlags, farmName: string): Promise<number> {
  // Created first, so the UI's log and model see every event from the start.
  const dashboard = new Dashboard(coordinator, { farmName, farmPrivate: flags.key !== undefined })
  try {
    await coordinator.start()
  } catch (err) {
    dashboard.close()
    throw err
  }
  const forget = await leaveLocalAddress(coordinator, flags, line => dashboard.note(line))
  for (const line of startupNotes(coordinator, flags)) dashboard.note(line)
  // One line per address, whole, so it can be copied from the log pane.
  for (const address of coordinator.multiaddrs()) dashboard.note(`listening on ${address}`)
  dashboard.open({ input: process.stdin, output: process.stdout })
  // After the screen exists: blessed's own SIGINT/SIGTERM handler exits the
  // process at once unless another handler is listening, and ours is.
  let outcome: string
  let code = 0
  try {
    outcome = await Promise.race([dashboard.closed.then(() => 'quit'), untilSignal()])
  } catch (err) {
    outcome = `terminal UI failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`
    code = 1
  }
  dashboard.close()
  logLine(`${outcome}: shutting down`)
  await forget()
  for (const line of await coordinator.stop()) logLine(line)
  return code
}

/**
 * This user's clients on this machine reach the coordinator without mDNS by
 * the address it leaves in ~/.microfarm/coordinators/ (removed on a clean
 * stop; one left by a killed coordinator is found stale by its clients).
 * Returns the removal; a file that cannot be written costs clients their shortcut only.
 */
async function leaveLocalAddress (coordinator: Coordinator, flags: CoordinatorFlags, say: (line: string) => void): Promise<() => Promise<void>> {
  const peerId = coordinator.peerId?.toString()
  if (peerId === undefined) return async () => {}
  const { writeLocalCoordinator } = await import('../../discovery/known-farms-files.js')
  const warn = (err: unknown): void => { say(`warning: local clients cannot find this coordinator without mDNS: ${errorMessage(err)}`) }
  try {
    const remove = await writeLocalCoordinator({ farm: flags.farm ?? hostname(), peerId, addresses: coordinator.multiaddrs(), private: flags.key !== undefined })
    return async () => { await remove().catch(warn) }
  } catch (err) {
    warn(err)
    return async () => {}
  }
}

/** What the coordinator says once it listens, in both modes. */
function startupNotes (coordinator: Coordinator, flags: CoordinatorFlags): string[] {
  const notes = [`output folder: ${resolve(flags.outputDir)}`]
  const remote = coordinator.multiaddrs().find(a => !a.startsWith('/ip4/127.'))
  if (remote !== undefined) notes.push(`nodes on other networks can join with: microfarm node --coordinator ${remote}`)
  if (!flags.advertise) notes.push('not advertising on mDNS (--no-advertise): nodes need --coordinator')
  notes.push(flags.key !== undefined
    ? `private farm: only machines with the farm key can join (nodes and commands need --key ${flags.key}, or MICROFARM_KEY)`
    : 'open farm: any machine on the network can join (microfarm key new makes a key for a private one)')
  return notes
}
