import { readFileSync } from 'node:fs'
import test from 'ava'
import { parseBlenderLine, parseBlenderVersion, parsePythonException, parseSceneInfoLine } from '../../../src/blender/output-parser.js'
import type { BlenderLine } from '../../../src/blender/output-parser.js'

/** Lines captured from Debian's Blender 3.4.1 (stdout and stderr together). */
function fixture (name: string): BlenderLine[] {
  const text = readFileSync(new URL(`../../fixtures/blender-output/${name}.txt`, import.meta.url), 'utf8')
  return text.split('\n').map(parseBlenderLine)
}

function ofKind<K extends BlenderLine['kind']> (lines: BlenderLine[], kind: K): Array<Extract<BlenderLine, { kind: K }>> {
  return lines.filter((line): line is Extract<BlenderLine, { kind: K }> => line.kind === kind)
}

test('Cycles render: one Saved per frame, sample progress, no errors', (t) => {
  const lines = fixture('cycles-render-ok')
  t.deepEqual(ofKind(lines, 'saved'), [
    { kind: 'saved', path: '/tmp/bl/out/frame_000001.png' },
    { kind: 'saved', path: '/tmp/bl/out/frame_000003.png' },
  ])
  t.deepEqual(ofKind(lines, 'error'), [])
  t.deepEqual(ofKind(lines, 'progress').map((p) => `${p.frame}:${p.done}/${p.total}`), [
    '1:0/2', '1:1/2', '1:2/2', '3:0/2', '3:1/2', '3:2/2',
  ])
})

test('EEVEE render: "Rendering N / M samples" progress; EGL Error lines on stderr are not errors', (t) => {
  const lines = fixture('eevee-render-ok')
  t.deepEqual(ofKind(lines, 'progress'), [
    { kind: 'progress', frame: 2, done: 1, total: 4 },
    { kind: 'progress', frame: 2, done: 4, total: 4 },
  ])
  t.deepEqual(ofKind(lines, 'error'), [])
  t.is(ofKind(lines, 'saved').length, 1)
})

test('no camera: the error is Blender\'s own message', (t) => {
  const lines = fixture('no-camera')
  t.deepEqual(ofKind(lines, 'error').map((e) => e.message), ['Cannot render, no camera', 'Cannot render, no camera'])
  t.deepEqual(ofKind(lines, 'saved'), [])
})

test('a text file named .blend', (t) => {
  t.deepEqual(ofKind(fixture('not-a-blend-file'), 'error'), [
    { kind: 'error', message: "File format is not supported in file '/tmp/bl/broken.blend'" },
  ])
})

test('a missing .blend', (t) => {
  t.deepEqual(ofKind(fixture('missing-file'), 'error'), [
    { kind: 'error', message: "Cannot read file '/tmp/bl/missing.blend': No such file or directory" },
  ])
})

test('an output directory that cannot be written', (t) => {
  const lines = fixture('unwritable-output')
  t.deepEqual(ofKind(lines, 'error').map((e) => e.message), [
    "Render error (Invalid argument) cannot save: '/proc/nonexistent/frame_000001.png'",
  ])
  t.deepEqual(ofKind(lines, 'saved'), [])
})

test('Cycles denoising on a Blender built without OpenImageDenoiser', (t) => {
  const lines = fixture('denoise-without-oidn')
  // The same words also come bare and inside a Fra: status line; only the Error: line counts.
  t.deepEqual(ofKind(lines, 'error'), [{ kind: 'error', message: 'Build without OpenImageDenoiser' }])
  t.deepEqual(ofKind(lines, 'saved'), [])
})

test('scripts skipped by -Y are reported by Blender but are not errors', (t) => {
  const lines = fixture('autoexec-disabled')
  t.deepEqual(ofKind(lines, 'error'), [])
  t.is(ofKind(lines, 'saved').length, 1)
})

test('Saved: forms', (t) => {
  t.deepEqual(parseBlenderLine("Saved: '/a b/frame_000001.png'"), { kind: 'saved', path: '/a b/frame_000001.png' })
  t.deepEqual(parseBlenderLine("Saved: 'C:\\r\\frame_000002.exr'\r"), { kind: 'saved', path: 'C:\\r\\frame_000002.exr' })
  // Blender 2.7x: no quotes, and the time on the same line.
  t.deepEqual(parseBlenderLine('Saved: /r/frame_0003.png Time: 00:01.20 (Saving: 00:00.02)'), { kind: 'saved', path: '/r/frame_0003.png' })
  t.deepEqual(parseBlenderLine('Saved: /r/frame_0004.png'), { kind: 'saved', path: '/r/frame_0004.png' })
  t.deepEqual(parseBlenderLine('Info: Saved "s.blend"'), { kind: 'other' })
})

test('error forms, and error-looking lines that are harmless', (t) => {
  t.deepEqual(parseBlenderLine('Error: Build without OpenImageDenoiser'), { kind: 'error', message: 'Build without OpenImageDenoiser' })
  t.deepEqual(parseBlenderLine('ERROR (gpu.shader): source/gpu/x.cc:12 f: compile failed'),
    { kind: 'error', message: 'source/gpu/x.cc:12 f: compile failed' })
  t.deepEqual(parseBlenderLine('Error: Not freed memory blocks: 2, total unfreed memory 0.001 MB'), { kind: 'other' })
  t.deepEqual(parseBlenderLine('EGL Error (0x3001): EGL_NOT_INITIALIZED: EGL is not initialized'), { kind: 'other' })
  t.deepEqual(parseBlenderLine('imb_savepng: Cannot open file for writing: \'/x.png\''), { kind: 'other' })
  t.deepEqual(parseBlenderLine('Warning: something'), { kind: 'other' })
  t.deepEqual(parseBlenderLine('Blender quit'), { kind: 'other' })
  t.deepEqual(parseBlenderLine(''), { kind: 'other' })
})

test('progress needs a Fra: prefix; other status lines are not progress', (t) => {
  t.deepEqual(parseBlenderLine('Fra:12 Mem:9M (Peak 10M) | Time:00:00.07 | Remaining:00:00.00 | Mem:1M, Peak:1M | Scene, ViewLayer | Sample 12/128'),
    { kind: 'progress', frame: 12, done: 12, total: 128 })
  t.deepEqual(parseBlenderLine('Fra:-3 Mem:1M | Time:00:01.00 | Rendering 25 / 64 samples'), { kind: 'progress', frame: -3, done: 25, total: 64 })
  t.deepEqual(parseBlenderLine('Fra:1 Mem:9M (Peak 10M) | Time:00:00.05 | Scene, ViewLayer | Updating Shaders'), { kind: 'other' })
  t.deepEqual(parseBlenderLine('Sample 1/2'), { kind: 'other' })
})

test('parseBlenderVersion: release, LTS and alpha first lines', (t) => {
  t.is(parseBlenderVersion(readFileSync(new URL('../../fixtures/blender-output/version.txt', import.meta.url), 'utf8')), '3.4.1')
  t.is(parseBlenderVersion('Blender 4.2.3 LTS'), '4.2.3')
  t.is(parseBlenderVersion('Blender 4.5.0 Alpha'), '4.5.0')
  t.is(parseBlenderVersion('Blender 2.79 (sub 0)'), '2.79')
  t.is(parseBlenderVersion('\tbuild date: 2024-10-14'), undefined)
  t.is(parseBlenderVersion('Blender quit'), undefined)
})

test('parseSceneInfoLine and parsePythonException', (t) => {
  t.is(parseSceneInfoLine('MF:{"a": 1}'), '{"a": 1}')
  t.is(parseSceneInfoLine('Read blend: /x.blend'), undefined)
  t.is(parsePythonException('RuntimeError: boom'), 'RuntimeError: boom')
  t.is(parsePythonException("AttributeError: 'Scene' object has no attribute 'x'"), "AttributeError: 'Scene' object has no attribute 'x'")
  t.is(parsePythonException('Error: script failed'), undefined)
})
