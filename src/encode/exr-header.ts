/**
 * Reads just enough of an OpenEXR header to tell whether ffmpeg can decode
 * the file as it is. ffmpeg reads one layer of plain R,G,B(,A) channels;
 * Blender's multilayer EXR names them `ViewLayer.Combined.R`, and multipart,
 * multiview and deep files are beyond it too.
 * Layout: magic, version+flags, then attributes (name\0 type\0 int32 size, value)
 * until an empty name. All integers little-endian.
 */
export type ExrVerdict =
  | { kind: 'not-exr' }
  | { kind: 'readable'; channels: string[] }
  | { kind: 'unsupported'; reason: string }
  /** The header ran past the bytes given: let ffmpeg judge. */
  | { kind: 'incomplete' }

export const EXR_MAGIC = 20000630
const FLAG_DEEP = 0x800
const FLAG_MULTIPART = 0x1000

export function inspectExrHeader (bytes: Uint8Array): ExrVerdict {
  if (bytes.length < 8) return { kind: 'not-exr' }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getInt32(0, true) !== EXR_MAGIC) return { kind: 'not-exr' }
  const flags = view.getUint32(4, true) & ~0xff
  if ((flags & FLAG_MULTIPART) !== 0) return { kind: 'unsupported', reason: 'multipart OpenEXR' }
  if ((flags & FLAG_DEEP) !== 0) return { kind: 'unsupported', reason: 'deep OpenEXR' }

  let channels: string[] | undefined
  const walked = walkAttributes(bytes, (name, type, value) => {
    if (name === 'multiView') return { kind: 'unsupported', reason: 'multiview (stereo) OpenEXR' }
    if (name === 'channels' && type === 'chlist') channels = readChannelNames(value)
    return undefined
  })
  if (walked !== undefined) return walked
  if (channels == null) return { kind: 'incomplete' }
  const layered = channels.find((c) => c.includes('.'))
  if (layered != null) return { kind: 'unsupported', reason: `multilayer OpenEXR (channel "${layered}")` }
  return { kind: 'readable', channels }
}

/**
 * Calls `visit` with each header attribute (after magic and version) until
 * the empty name that ends the header, or until `visit` returns a verdict.
 * Incomplete when the header runs past the bytes given.
 */
export function walkAttributes (bytes: Uint8Array, visit: (name: string, type: string, value: Uint8Array) => ExrVerdict | undefined): ExrVerdict | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 8
  for (;;) {
    const name = readString(bytes, pos)
    if (name == null) return { kind: 'incomplete' }
    pos = name.end
    if (name.text === '') return undefined
    const type = readString(bytes, pos)
    if (type == null || type.end + 4 > bytes.length) return { kind: 'incomplete' }
    const size = view.getInt32(type.end, true)
    const valueStart = type.end + 4
    if (size < 0 || valueStart + size > bytes.length) return { kind: 'incomplete' }
    const verdict = visit(name.text, type.text, bytes.subarray(valueStart, valueStart + size))
    if (verdict !== undefined) return verdict
    pos = valueStart + size
  }
}

/** A chlist is a run of (name\0, 16 bytes of pixel type and sampling) ended by an empty name. */
function readChannelNames (bytes: Uint8Array): string[] {
  const names: string[] = []
  let pos = 0
  for (;;) {
    const name = readString(bytes, pos)
    if (name == null || name.text === '') return names
    names.push(name.text)
    pos = name.end + 16
  }
}

function readString (bytes: Uint8Array, start: number): { text: string; end: number } | undefined {
  const nul = bytes.indexOf(0, start)
  if (nul < 0) return undefined
  return { text: new TextDecoder().decode(bytes.subarray(start, nul)), end: nul + 1 }
}
