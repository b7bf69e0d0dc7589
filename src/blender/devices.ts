import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { runProcess } from '../process/run-process.js'
import type { ProcessRunner } from '../process/run-process.js'
import { computeDeviceType, renderDevice } from '../protocol/messages.js'
import type { ComputeDeviceType, RenderDevice } from '../protocol/messages.js'
import { BlenderError } from './errors.js'
import type { BlenderInstall } from './find-blender.js'
import { runBlender } from './run-blender.js'

// Which Cycles devices a node renders on (`microfarm node --device, --gpus,
// --list-devices`). microfarm_devices.py, inside Blender, sets and reads the
// preferences; this side builds its command line, reads its one line of
// output, and hands every driver Blender the same choice.

export const DEVICES_SCRIPT = fileURLToPath(new URL('../../src/blender/microfarm_devices.py', import.meta.url))

export class DeviceChoiceError extends Error {
  override name = 'DeviceChoiceError'
}

/** What the node was asked to render on; nothing: its Blender's preferences as they are. */
export interface DeviceRequest {
  device?: ComputeDeviceType
  /** Cycles device ids (CUDA_<name>_<pci bus id>, …_OptiX): only these of the type. */
  gpus?: string[]
}

/** The devices the node renders on, as its hello says. */
export interface NodeDevices {
  device: ComputeDeviceType
  devices: RenderDevice[]
}

const MARK = 'MICROFARM_DEVICES '

export const deviceReport = z.object({
  blender: z.string().max(200),
  selected: z.object({
    device: computeDeviceType,
    computeDeviceType: z.string().max(32),
    sceneDevice: z.string().max(32).nullable(),
    devices: z.array(renderDevice).max(64),
    /** Ids asked for that the preferences did not keep in use. */
    mismatch: z.array(z.string().max(200)).max(64).optional(),
  }).optional(),
  error: z.string().max(2000).optional(),
  available: z.array(renderDevice).max(64),
})
export type DeviceReport = z.infer<typeof deviceReport>

/** `--gpus A,B` as a list; an empty entry is a typing mistake worth saying. */
export function parseGpuList (text: string): string[] {
  const ids = text.split(',').map(id => id.trim())
  if (ids.some(id => id === '')) throw new DeviceChoiceError(`--gpus "${text}": expected device ids separated by commas (microfarm node --list-devices shows them)`)
  return ids
}

/** Blender's command line for the device script: no --factory-startup, which would reset the preferences it reads. */
export function deviceProbeArgs (request: DeviceRequest): string[] {
  return ['-b', '-Y', '--python-exit-code', '1', '--python', DEVICES_SCRIPT, '--', request.device ?? '', (request.gpus ?? []).join(',')]
}

/** What every Blender the node starts is told (microfarm_driver.py reads it): the same choice as the check at start. */
export function deviceEnvironment (request: DeviceRequest): Record<string, string> {
  return {
    ...(request.device !== undefined ? { MICROFARM_DEVICE: request.device } : {}),
    ...(request.gpus !== undefined ? { MICROFARM_GPUS: request.gpus.join(',') } : {}),
  }
}

/** The script's report among Blender's output lines. */
export function parseDeviceReport (lines: readonly string[]): DeviceReport {
  const line = lines.find(l => l.startsWith(MARK))
  if (line === undefined) throw new BlenderError(`Blender did not say which devices it sees${lastLine(lines)}`)
  let data: unknown
  try {
    data = JSON.parse(line.slice(MARK.length))
  } catch (err) {
    throw new BlenderError(`Blender's device list is not JSON: ${line.slice(0, 200)}`, { cause: err })
  }
  const parsed = deviceReport.safeParse(data)
  if (!parsed.success) throw new BlenderError(`unexpected device list from Blender: ${z.prettifyError(parsed.error)}`, { cause: parsed.error })
  return parsed.data
}

function lastLine (lines: readonly string[]): string {
  const said = lines.filter(l => l.trim() !== '').at(-1)
  return said !== undefined ? ` (it said: ${said.trim().slice(0, 300)})` : ''
}

/** Runs the device script in this Blender, applying `request` in that process only (nothing is saved). */
export async function probeDevices (blender: BlenderInstall, request: DeviceRequest, run: ProcessRunner = runProcess): Promise<DeviceReport> {
  const lines: string[] = []
  const keep = (line: string): void => { lines.push(line) }
  const result = await runBlender(blender, { command: blender.path, args: deviceProbeArgs(request), timeoutMs: 60_000, onStdoutLine: keep, onStderrLine: keep }, run)
  if (result.stoppedBecause === 'timeout') throw new BlenderError(`Blender ${blender.version} did not list its devices within 60 s`)
  return parseDeviceReport(lines)
}

/** The devices the node will render on, or a DeviceChoiceError saying why the request cannot be met: never a silent CPU. */
export function chosenDevices (report: DeviceReport, request: DeviceRequest): NodeDevices {
  const asked = request.device !== undefined ? `--device ${request.device}${request.gpus !== undefined ? ` --gpus ${request.gpus.join(',')}` : ''}` : 'the Blender preferences'
  if (report.error !== undefined || report.selected === undefined) {
    throw new DeviceChoiceError(`${asked}: ${report.error ?? 'Blender chose no device'}. microfarm node --list-devices shows what this machine's Blender sees`)
  }
  if (report.selected.mismatch !== undefined) {
    throw new DeviceChoiceError(`${asked}: Blender kept ${report.selected.devices.map(d => d.id).join(', ') || 'nothing'} in use, not ${report.selected.mismatch.join(', ')}`)
  }
  return { device: report.selected.device, devices: report.selected.devices }
}

/** `microfarm node --list-devices`: each device by type, and what the node would render on as it is set up. */
export function formatDeviceList (report: DeviceReport): string[] {
  const lines = [`Blender ${report.blender} sees:`]
  for (const device of report.available) lines.push(`  ${device.type.padEnd(7)} ${device.id}  (${device.name})`)
  if (report.selected !== undefined) {
    lines.push(`by default this node renders on ${report.selected.device === 'CPU' ? 'the CPU' : `${report.selected.device}: ${report.selected.devices.map(d => d.id).join(', ')}`} (from Blender's preferences)`)
  }
  lines.push('choose with microfarm node --device CPU|CUDA|OPTIX|HIP|METAL|ONEAPI [--gpus ID,ID…]')
  return lines
}
