import test from 'ava'
import { crc32, inflateRawSync } from 'node:zlib'
import { zipArchive, ZipEntryError } from '../../../src/addon/zip.js'

// Read back as an unzip program does: the end record → the central directory
// → each local header → its deflated bytes.
function readZip (zip: Buffer): Array<{ name: string, data: Buffer, mode: number }> {
  const end = zip.length - 22
  if (zip.readUInt32LE(end) !== 0x06054b50) throw new Error('no end of central directory record')
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const files = []
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`no central header at ${at}`)
    const nameLength = zip.readUInt16LE(at + 28)
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8')
    const crc = zip.readUInt32LE(at + 16)
    const local = zip.readUInt32LE(at + 42)
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`no local header for ${name}`)
    const packed = zip.readUInt32LE(local + 18)
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const data = inflateRawSync(zip.subarray(start, start + packed))
    if ((crc32(data) >>> 0) !== crc) throw new Error(`bad CRC for ${name}`)
    files.push({ name, data, mode: zip.readUInt32LE(at + 38) >>> 16 })
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)
  }
  return files
}

test('every entry comes back whole, under its name, readable', (t) => {
  const mtime = new Date(2026, 11, 2, 10, 30, 12)
  const big = Buffer.alloc(200_000, 'bl_info = {}\n')
  const files = readZip(zipArchive([
    { name: 'microfarm/__init__.py', data: big, mtime },
    { name: 'microfarm/blender_manifest.toml', data: Buffer.from('id = "microfarm"\n'), mtime },
    { name: 'microfarm/empty.py', data: Buffer.alloc(0), mtime },
  ]))
  t.deepEqual(files.map(f => f.name), ['microfarm/__init__.py', 'microfarm/blender_manifest.toml', 'microfarm/empty.py'])
  t.true(files[0]?.data.equals(big))
  t.is(files[1]?.data.toString(), 'id = "microfarm"\n')
  t.is(files[2]?.data.length, 0)
  t.true(files.every(f => f.mode === 0o100644))
})

test('a name that would land outside the folder it is unpacked in is refused', (t) => {
  const mtime = new Date()
  for (const name of ['../x.py', '/etc/x.py', 'a/../../x.py', '']) {
    t.throws(() => zipArchive([{ name, data: Buffer.from('x'), mtime }]), { instanceOf: ZipEntryError }, name)
  }
})
