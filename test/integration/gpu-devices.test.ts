import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { coordinatorAddress, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import { childPids } from '../helpers/processes.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { runProcess } from '../../src/process/run-process.js'
import { DEVICES_SCRIPT, parseDeviceReport, probeDevices } from '../../src/blender/devices.js'

// This machine has only its CPU: the GPU paths are checked where they can be
// (the selection logic in Blender's own Python, with devices shaped like
// Cycles'; the refusals a CPU-only Blender gives), the CPU path end to end.

blenderTest('the preference script marks exactly the requested ids for use, in Blender\'s Python', async (t, blender) => {
  // Cycles' device entries, as the script sees them: two GPUs and the CPU.
  const expr = [
    'import sys, json',
    `sys.path.insert(0, ${JSON.stringify(path.dirname(DEVICES_SCRIPT))})`,
    'import microfarm_devices as m',
    'class D:',
    '    def __init__(self, id, type): self.id, self.type, self.use, self.name = id, type, True, id',
    'gpus = [D("CUDA_RTX_0000:01:00", "CUDA"), D("CUDA_RTX_0000:02:00", "CUDA")]',
    'used = m.choose(gpus, ["CUDA_RTX_0000:02:00"])',
    'out = {"used": [d.id for d in used], "use": [d.use for d in gpus]}',
    'out["all"] = [d.id for d in m.choose(gpus, None)]',
    'try:',
    '    m.choose(gpus, ["CUDA_GONE"])',
    'except m.DeviceChoiceError as e:',
    '    out["error"] = str(e)',
    'print("RESULT " + json.dumps(out))',
  ].join('\n')
  const lines: string[] = []
  const result = await runProcess({ command: blender.path, args: ['-b', '-Y', '--python-exit-code', '1', '--python-expr', expr], timeoutMs: 60_000, onStdoutLine: l => lines.push(l), onStderrLine: l => lines.push(l) })
  t.is(result.exitCode, 0, lines.join('\n'))
  const line = lines.find(l => l.startsWith('RESULT ')) ?? ''
  t.deepEqual(JSON.parse(line.slice(7)), {
    used: ['CUDA_RTX_0000:02:00'],
    use: [false, true],
    all: ['CUDA_RTX_0000:01:00', 'CUDA_RTX_0000:02:00'],
    error: 'no device CUDA_GONE here (this Blender sees: CUDA_RTX_0000:01:00, CUDA_RTX_0000:02:00)',
  })
})

blenderTest('the choice is applied to the real preferences and read back; a device Blender lacks is an error, not the CPU', async (t, blender) => {
  const cpu = await probeDevices(blender, { device: 'CPU' })
  t.like(cpu.selected, { device: 'CPU', computeDeviceType: 'NONE', sceneDevice: 'CPU' })
  t.true(cpu.available.some(d => d.type === 'CPU'))
  const optix = await probeDevices(blender, { device: 'OPTIX' })
  t.is(optix.selected, undefined)
  t.regex(optix.error ?? '', /OptiX/)
  const gpus = await probeDevices(blender, { device: 'CPU', gpus: ['CPU'] })
  t.regex(gpus.error ?? '', /--gpus names GPUs/)
  // The script's own output, as the node reads it, passes the parser.
  const lines: string[] = []
  await runProcess({ command: blender.path, args: ['-b', '-Y', '--python', DEVICES_SCRIPT], timeoutMs: 60_000, onStdoutLine: l => lines.push(l) })
  t.is(parseDeviceReport(lines).selected?.device, 'CPU')
})

blenderTest('node --list-devices, --device OPTIX stops at start with why, --device CPU renders and its Blenders never get --factory-startup', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-gpu-')
  const listed = await runCli(['node', '--list-devices'])
  t.is(listed.code, 0, listed.stderr)
  t.regex(listed.stdout, new RegExp(`^Blender ${blender.version.replace(/\./g, '\\.')} sees:\n {2}CPU +CPU {2}\\(`))
  t.regex(listed.stdout, /by default this node renders on the CPU/)

  const out = path.join(dir, 'out')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)

  const optix = await runCli(['node', '--name', 'optix', '--device', 'optix', '--coordinator', address, '--work-dir', path.join(dir, 'w1')])
  t.is(optix.code, 1)
  t.regex(optix.stderr, /microfarm: --device OPTIX: this Blender \(.*\) is built without OptiX: it cannot render on OptiX devices\. microfarm node --list-devices shows/)
  t.false(coordinator.output().includes('node joined: optix'), 'the hello waits for the device check')
  const noType = await runCli(['node', '--gpus', 'CUDA_a', '--coordinator', address, '--work-dir', path.join(dir, 'w2')])
  t.is(noType.code, 1)
  t.regex(noType.stderr, /--gpus needs --device/)

  const node = startCli(t, ['node', '--name', 'cpu', '--device', 'CPU', '--coordinator', address, '--work-dir', path.join(dir, 'w3')])
  await waitFor('the node to join', () => coordinator.output().includes('node joined: cpu'))
  await waitFor('the node to say its device', () => node.output().includes('rendering on the CPU'))
  const scene = await makeScene(dir, { frames: 2 })
  const submitted = await runCli(['submit', scene, '--no-encode', '--require', 'cpu', '--coordinator', address])
  t.is(submitted.code, 0, submitted.stderr)
  const blenders = await waitFor('a Blender on the node', async () => {
    const pids = await childPids(node.child.pid ?? 0)
    return pids.length > 0 ? pids : undefined
  }, 30_000, 50)
  for (const pid of blenders) {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')
    t.false(args.includes('--factory-startup'), args.join(' '))
  }
  await waitForJob(address, '1', 'completed', job => job.state === 'completed')
  const gpuOnly = await runCli(['submit', scene, '--no-encode', '--require', 'gpu', '--json', '--coordinator', address])
  t.is(gpuOnly.code, 0, gpuOnly.stderr)
  const series = blender.version.split('.').slice(0, 2).join('.')
  await waitForJob(address, '2', 'saying it waits for a GPU', job => (job as { waitingFor?: string }).waitingFor === `needs Blender ≥ ${series} on a GPU: no node has it (cpu: it renders on the CPU)`)
})
