import test from 'ava'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tinyPng } from '../helpers/tiny-png.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A WorkerThread (dist/util/worker-thread.js; here the TUI's decoding thread)
// in a process of its own must not keep that process alive once its calls are
// answered. It did: the thread was unref'd before its 'message' listener was
// added, which refs the thread's port again, so a process that had decoded one
// preview never ended by itself. Run under --input-type=module too, whose
// flag the thread inherits: the thread's boot source used require there.

const DECODE_THREAD = fileURLToPath(new URL('../../dist/tui/decode-thread.js', import.meta.url))

test('a process that made calls on a worker thread ends by itself once they are answered', async (t) => {
  const dir = await tempFolder(t, 'mf-worker-thread-')
  const frame = path.join(dir, 'frame.png')
  const png = tinyPng('frame 1', 4, 4)
  await writeFile(frame, png)
  const script = `
    const { DecodeThread } = await import(${JSON.stringify(DECODE_THREAD)})
    const decoded = await new DecodeThread().decode(${JSON.stringify(frame)}, ${png.byteLength})
    console.log(decoded.kind)
  `
  const { code, signal, stdout, stderr } = await new Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string }>((resolve) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000, killSignal: 'SIGKILL' }, (_err, stdout, stderr) => {
      resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr })
    })
  })
  t.is(signal, null, `the process was killed after 15 s: it did not end by itself (stderr: ${stderr})`)
  t.is(code, 0, stderr)
  t.regex(stdout.trim(), /^(picture|note)$/, 'the call was answered')
})
