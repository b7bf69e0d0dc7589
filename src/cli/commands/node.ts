import { resolve } from 'node:path'
import { DEFAULT_WORK_DIR } from '../defaults.js'
import { findBlender } from '../../blender/find-blender.js'
import { removeStaleBlenderTemps } from '../../blender/run-blender.js'
import { parseCoordinatorAddress } from '../../net/dial.js'
import { RenderNode } from '../../node/render-node.js'
import { leaveHeapRoomForTransfers } from '../heap-policy.js'
import { logLine } from '../log.js'
import { untilSignal } from '../signals.js'
import { errorMessage } from '../../util/error-message.js'
import { readFarmKey } from '../../net/farm-key.js'
import { chosenDevices, DeviceChoiceError, deviceEnvironment, formatDeviceList, parseGpuList, probeDevices } from '../../blender/devices.js'
import type { DeviceRequest } from '../../blender/devices.js'
import type { ComputeDeviceType } from '../../protocol/messages.js'
import { parseSchedule } from '../../node/schedule.js'
import type { ScheduleStop } from '../../node/schedule-gate.js'
import { describePriority, findPriorityTools, lowPriorityRunner } from '../../process/low-priority.js'

export interface NodeFlags {
  name?: string
  blender?: string
  coordinator?: string
  farm?: string
  workDir?: string
  cacheSize: number
  frameTimeout: number
  key?: string
  /** Cycles device type and ids to render on (see blender/devices.ts). */
  device?: ComputeDeviceType
  gpus?: string
  /** Print what this machine's Blender sees and exit. */
  listDevices?: boolean
  port?: number
  /** Polite nodes: Blender's -t, low priority, and a weekly window (see node/schedule.ts). */
  threads?: number
  nice?: boolean
  schedule?: string
  scheduleStop?: ScheduleStop
}


export async function runNode (flags: NodeFlags): Promise<number> {
  leaveHeapRoomForTransfers()
  const coordinator = flags.coordinator !== undefined ? parseCoordinatorAddress(flags.coordinator) : undefined
  const request: DeviceRequest = { ...(flags.device !== undefined ? { device: flags.device } : {}), ...(flags.gpus !== undefined ? { gpus: parseGpuList(flags.gpus) } : {}) }
  if (request.gpus !== undefined && request.device === undefined) throw new DeviceChoiceError('--gpus needs --device (CUDA, OPTIX, HIP, METAL or ONEAPI): the ids are of one device type')
  const blender = findBlender(flags.blender !== undefined ? { explicitPath: flags.blender } : {})
  if (flags.listDevices === true) {
    for (const line of formatDeviceList(await probeDevices(await blender, {}))) console.log(line)
    return 0
  }
  // Every Blender this node starts inherits the choice (microfarm_driver.py reads it); the check below says at start when it cannot be met.
  Object.assign(process.env, deviceEnvironment(request))
  const devices = blender.then(async (found) => chosenDevices(await probeDevices(found, request), request))
  devices.catch(() => undefined)
  // Awaited below, after the node has started looking for its coordinator; a
  // failure must not count as unhandled before then.
  blender.catch(() => undefined)
  const farmKey = flags.key !== undefined ? await readFarmKey(flags.key) : undefined
  const schedule = flags.schedule !== undefined ? parseSchedule(flags.schedule) : undefined
  const tools = flags.nice === true ? await findPriorityTools() : undefined
  if (tools !== undefined) logLine(`--nice: ${describePriority(tools)}`)
  if (flags.threads !== undefined) logLine(`--threads: Blender renders with ${flags.threads} thread(s)`)
  const node = new RenderNode({
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    ...(tools !== undefined ? { blenderRun: lowPriorityRunner(tools) } : {}),
    ...(schedule !== undefined ? { schedule: { schedule, stop: flags.scheduleStop ?? 'finish' } } : {}),
    ...(farmKey !== undefined ? { farmKey } : {}),
    blender,
    devices,
    workDir: resolve(flags.workDir ?? DEFAULT_WORK_DIR),
    cacheBytes: flags.cacheSize,
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    stallTimeoutMs: flags.frameTimeout * 1000,
    log: logLine,
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(coordinator !== undefined ? { coordinator } : {}),
    ...(flags.farm !== undefined ? { farm: flags.farm } : {}),
  })
  await node.start()
  // Left by Blenders of a node that was killed: cleaned up without holding up the start.
  removeStaleBlenderTemps().then((count) => {
    if (count > 0) logLine(`removed ${count} temporary folder(s) that Blender left when an earlier node was killed`)
  }, (err: unknown) => { logLine(`could not remove Blender's old temporary folders: ${errorMessage(err)}`) })
  try {
    const found = await blender
    logLine(`Blender ${found.version} at ${found.path}`)
    const using = await devices
    logLine(`rendering on ${using.device === 'CPU' ? 'the CPU' : `${using.device}: ${using.devices.map(d => `${d.id} (${d.name})`).join(', ')}`}`)
    const signal = await Promise.race([untilSignal(), node.done().then(() => undefined)])
    if (signal !== undefined) logLine(`${signal}: stopping`)
  } finally {
    await node.stop()
  }
  return 0
}
