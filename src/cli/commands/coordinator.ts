import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { Coordinator } from '../../coordinator/coordinator.js'
import { formatEvent } from '../../coordinator/event-log.js'
import { logLine } from '../log.js'
import { untilSignal } from '../signals.js'

export interface CoordinatorFlags {
  port: number
  outputDir: string
  farm?: string
  tui: boolean
  advertise: boolean
  nodeTimeout: number
  maxAttempts: number
  ffmpeg?: string
}

export async function runCoordinator (flags: CoordinatorFlags): Promise<number> {
  const farmName = flags.farm ?? hostname()
  const coordinator = new Coordinator({
    farmName,
    outputDir: resolve(flags.outputDir),
    port: flags.port,
    advertise: flags.advertise,
    nodeTimeoutMs: flags.nodeTimeout * 1000,
    policy: { maxAttempts: flags.maxAttempts, blocklistAfter: 3 },
    ...(flags.ffmpeg !== undefined ? { ffmpegPath: flags.ffmpeg } : {}),
  })
  coordinator.events.on((event) => {
    const line = formatEvent(event)
    if (line !== undefined) logLine(line)
  })
  await coordinator.start()
  logLine(`output folder: ${resolve(flags.outputDir)}`)
  const remote = coordinator.multiaddrs().find(a => !a.startsWith('/ip4/127.'))
  if (remote !== undefined) logLine(`nodes on other networks can join with: microfarm node --coordinator ${remote}`)
  if (!flags.advertise) logLine('not advertising on mDNS (--no-advertise): nodes need --coordinator')
  const signal = await untilSignal()
  logLine(`${signal}: shutting down`)
  await coordinator.stop()
  return 0
}
