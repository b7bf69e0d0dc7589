import { readFile } from 'node:fs/promises'
import test from 'ava'
import {
  chosenDevices, DeviceChoiceError, deviceEnvironment, deviceProbeArgs, formatDeviceList, parseDeviceReport, parseGpuList,
} from '../../../src/blender/devices.js'
import { BlenderError } from '../../../src/blender/errors.js'
import { nodeHello } from '../../../src/protocol/messages.js'

// Modeled on Cycles' device ids (CUDA_<name>_<pci bus id>, OptiX adds _OptiX) for a
// machine with two GPUs, one chosen with --gpus: this machine has only its CPU.
const twoGpus = async (): Promise<string[]> => (await readFile(new URL('../../fixtures/blender-output/devices-two-gpus.txt', import.meta.url), 'utf8')).split('\n')
const ONE = 'CUDA_NVIDIA GeForce RTX 3090_0000:02:00_OptiX'

test('the device report is read from among Blender\'s own lines, and the choice from it', async (t) => {
  const report = parseDeviceReport(await twoGpus())
  t.is(report.available.length, 5)
  t.deepEqual(chosenDevices(report, { device: 'OPTIX', gpus: [ONE] }), {
    device: 'OPTIX', devices: [{ id: ONE, name: 'NVIDIA GeForce RTX 3090', type: 'OPTIX' }],
  })
  // What the hello carries passes its schema.
  t.true(nodeHello.safeParse({ type: 'hello', protocolVersion: 2, name: 'gpu-1', cores: 32, blenderVersion: '4.2.3', platform: 'linux', ...chosenDevices(report, {}) }).success)
})

test('--list-devices prints every device by type with its id, and the default', async (t) => {
  const lines = formatDeviceList(parseDeviceReport(await twoGpus()))
  t.is(lines[0], 'Blender 4.2.3 LTS sees:')
  t.true(lines.includes('  CUDA    CUDA_NVIDIA GeForce RTX 3090_0000:01:00  (NVIDIA GeForce RTX 3090)'))
  t.true(lines.includes(`  OPTIX   ${ONE}  (NVIDIA GeForce RTX 3090)`))
  t.true(lines.includes(`by default this node renders on OPTIX: ${ONE} (from Blender's preferences)`))
})

test('a request Blender cannot meet is a DeviceChoiceError naming the request and where to look; never the CPU instead', (t) => {
  const report = { blender: '3.4.1', error: 'this Blender (3.4.1) is built without OptiX: it cannot render on OptiX devices', available: [{ id: 'CPU', name: 'Xeon', type: 'CPU' as const }] }
  const error = t.throws(() => chosenDevices(report, { device: 'OPTIX' }), { instanceOf: DeviceChoiceError })
  t.is(error?.message, '--device OPTIX: this Blender (3.4.1) is built without OptiX: it cannot render on OptiX devices. microfarm node --list-devices shows what this machine\'s Blender sees')
  const kept = { blender: '4.2', selected: { device: 'CUDA' as const, computeDeviceType: 'CUDA', sceneDevice: 'GPU', devices: [], mismatch: ['CUDA_x'] }, available: [] }
  t.throws(() => chosenDevices(kept, { device: 'CUDA', gpus: ['CUDA_x'] }), { instanceOf: DeviceChoiceError, message: /Blender kept nothing in use, not CUDA_x/ })
})

test('output without a report, or a broken one, says so', (t) => {
  t.throws(() => parseDeviceReport(['Blender 3.4.1', 'Error: Python: Traceback']), { instanceOf: BlenderError, message: /did not say which devices it sees \(it said: Error: Python: Traceback\)/ })
  t.throws(() => parseDeviceReport(['MICROFARM_DEVICES {']), { instanceOf: BlenderError, message: /not JSON/ })
  t.throws(() => parseDeviceReport(['MICROFARM_DEVICES {"blender": "3.4", "available": [{"id": "x", "name": "y", "type": "OPENCL"}]}']), { instanceOf: BlenderError, message: /unexpected device list/ })
})

test('the device script runs without --factory-startup (it would reset the preferences it reads), with the request after --', (t) => {
  const args = deviceProbeArgs({ device: 'CUDA', gpus: ['CUDA_a', 'CUDA_b'] })
  t.false(args.includes('--factory-startup'))
  t.true(args.includes('-Y'))
  t.deepEqual(args.slice(args.indexOf('--')), ['--', 'CUDA', 'CUDA_a,CUDA_b'])
  t.deepEqual(deviceProbeArgs({}).slice(-3), ['--', '', ''])
  t.deepEqual(deviceEnvironment({ device: 'CUDA', gpus: ['CUDA_a', 'CUDA_b'] }), { MICROFARM_DEVICE: 'CUDA', MICROFARM_GPUS: 'CUDA_a,CUDA_b' })
  t.deepEqual(deviceEnvironment({}), {})
})

test('--gpus lists ids by commas; an empty entry is refused', (t) => {
  t.deepEqual(parseGpuList('CUDA_a, CUDA_b'), ['CUDA_a', 'CUDA_b'])
  t.throws(() => parseGpuList('CUDA_a,,CUDA_b'), { instanceOf: DeviceChoiceError, message: /expected device ids separated by commas/ })
})
