import { crc32, deflateRawSync } from 'node:zlib'

// A zip archive as Blender's "Install from Disk" reads it, written here
// because the add-on is a handful of small files: no dependency and no
// `zip` program needed. Deflate, no zip64 (an add-on is far under 4 GiB).

export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  name: string
  data: Uint8Array
  mtime: Date
}

export class ZipEntryError extends Error {
  override name = 'ZipEntryError'
}

/** The archive's bytes. */
export function zipArchive (entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    if (entry.name === '' || entry.name.startsWith('/') || entry.name.split('/').includes('..')) throw new ZipEntryError(`"${entry.name}" is no relative path inside a zip`)
    const name = Buffer.from(entry.name, 'utf8')
    const packed = deflateRawSync(entry.data)
    const fields = { crc: crc32(entry.data) >>> 0, packed: packed.length, size: entry.data.length, ...dosTime(entry.mtime) }
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    writeCommon(local, 4, fields)
    local.writeUInt16LE(name.length, 26)
    locals.push(local, name, packed)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    // Made by: Unix (3), zip 2.0; so the mode below (rw-r--r--) is read.
    central.writeUInt16LE((3 << 8) | 20, 4)
    writeCommon(central, 6, fields)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)
    offset += local.length + name.length + packed.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

interface Fields { crc: number, packed: number, size: number, time: number, date: number }

/** The part local and central headers share: version needed, flags (bit 11: UTF-8 names), method 8 (deflate), time, sizes. */
function writeCommon (buf: Buffer, at: number, f: Fields): void {
  buf.writeUInt16LE(20, at)
  buf.writeUInt16LE(0x0800, at + 2)
  buf.writeUInt16LE(8, at + 4)
  buf.writeUInt16LE(f.time, at + 6)
  buf.writeUInt16LE(f.date, at + 8)
  buf.writeUInt32LE(f.crc, at + 10)
  buf.writeUInt32LE(f.packed, at + 14)
  buf.writeUInt32LE(f.size, at + 18)
}

/** MS-DOS date and time, local time, 2-second steps; zip cannot say a year before 1980. */
function dosTime (d: Date): { time: number, date: number } {
  const year = Math.max(1980, d.getFullYear())
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  }
}
