import test from 'ava'
import { EXR_MAGIC, inspectExrHeader } from '../../../src/encode/exr-header.js'

// Builds an OpenEXR header the way the spec lays it out:
// magic, version+flags, attributes (name\0 type\0 int32 size, value), empty name.
function exrHeader (o: { channels?: string[]; flags?: number; extra?: Array<[string, string, Uint8Array]> } = {}): Uint8Array {
  const parts: Uint8Array[] = []
  const int32 = (n: number): Uint8Array => {
    const b = Buffer.alloc(4)
    b.writeInt32LE(n)
    return b
  }
  const cstr = (s: string): Uint8Array => Buffer.from(`${s}\0`, 'utf8')
  const attribute = (name: string, type: string, value: Uint8Array): void => {
    parts.push(cstr(name), cstr(type), int32(value.length), value)
  }
  parts.push(int32(EXR_MAGIC), int32(2 | (o.flags ?? 0)))
  for (const [name, type, value] of o.extra ?? []) attribute(name, type, value)
  if (o.channels != null) {
    // Each channel: name\0, pixel type (2 = float), pLinear + 3 reserved, x and y sampling.
    const chlist = Buffer.concat([
      ...o.channels.flatMap((c) => [cstr(c), int32(2), Buffer.from([0, 0, 0, 0]), int32(1), int32(1)]),
      Buffer.from([0]),
    ])
    attribute('channels', 'chlist', chlist)
  }
  attribute('compression', 'compression', Buffer.from([3]))
  parts.push(Buffer.from([0]))
  return Buffer.concat(parts)
}

test('plain RGBA EXR is readable', (t) => {
  t.deepEqual(inspectExrHeader(exrHeader({ channels: ['A', 'B', 'G', 'R'] })), { kind: 'readable', channels: ['A', 'B', 'G', 'R'] })
  t.is(inspectExrHeader(exrHeader({ channels: ['B', 'G', 'R'] })).kind, 'readable')
})

test('Blender multilayer EXR is refused, naming a layered channel', (t) => {
  const verdict = inspectExrHeader(exrHeader({ channels: ['ViewLayer.Combined.A', 'ViewLayer.Combined.B', 'ViewLayer.Combined.G', 'ViewLayer.Combined.R'] }))
  t.deepEqual(verdict, { kind: 'unsupported', reason: 'multilayer OpenEXR (channel "ViewLayer.Combined.A")' })
  t.is(inspectExrHeader(exrHeader({ channels: ['RenderLayer.Combined.R'] })).kind, 'unsupported')
})

test('multipart and deep flags are refused', (t) => {
  t.deepEqual(inspectExrHeader(exrHeader({ channels: ['R', 'G', 'B'], flags: 0x1000 })), { kind: 'unsupported', reason: 'multipart OpenEXR' })
  t.deepEqual(inspectExrHeader(exrHeader({ channels: ['R', 'G', 'B'], flags: 0x800 })), { kind: 'unsupported', reason: 'deep OpenEXR' })
})

test('the long-names flag alone is fine', (t) => {
  t.is(inspectExrHeader(exrHeader({ channels: ['R', 'G', 'B'], flags: 0x400 })).kind, 'readable')
})

test('a multiView attribute (stereo) is refused', (t) => {
  const views = Buffer.concat([Buffer.from([4, 0, 0, 0]), Buffer.from('left'), Buffer.from([5, 0, 0, 0]), Buffer.from('right')])
  const verdict = inspectExrHeader(exrHeader({ channels: ['R', 'G', 'B'], extra: [['multiView', 'stringvector', views]] }))
  t.deepEqual(verdict, { kind: 'unsupported', reason: 'multiview (stereo) OpenEXR' })
})

test('not an EXR, or a header cut short, is left to ffmpeg', (t) => {
  t.deepEqual(inspectExrHeader(Buffer.from('\x89PNG\r\n\x1a\n0000', 'latin1')), { kind: 'not-exr' })
  t.deepEqual(inspectExrHeader(new Uint8Array(3)), { kind: 'not-exr' })
  const full = exrHeader({ channels: ['ViewLayer.Combined.R'] })
  t.deepEqual(inspectExrHeader(full.subarray(0, 20)), { kind: 'incomplete' })
  t.deepEqual(inspectExrHeader(exrHeader()), { kind: 'incomplete' })
})

test('a view into a larger buffer is read from its own offset', (t) => {
  const header = exrHeader({ channels: ['R', 'G', 'B'] })
  const big = new Uint8Array(header.length + 100)
  big.set(header, 16)
  t.is(inspectExrHeader(big.subarray(16)).kind, 'readable')
})
