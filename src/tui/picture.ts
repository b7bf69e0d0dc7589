// Decoded pixels and the one way they are made smaller: an area average, in
// linear light and weighted by alpha, so a thin bright line stays as bright
// as it should and a transparent pixel's colour does not bleed into its
// neighbours. Used right after decoding (to keep little in memory) and again
// for the cells of the preview.

/** 8-bit RGBA, straight alpha, sRGB, rows top to bottom. */
export interface Picture {
  width: number
  height: number
  data: Uint8Array
}

const TO_LINEAR = Float32Array.from({ length: 256 }, (_, v) => {
  const c = v / 255
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
})

function toSrgb8 (linear: number): number {
  const c = linear <= 0.0031308 ? linear * 12.92 : 1.055 * linear ** (1 / 2.4) - 0.055
  return Math.max(0, Math.min(255, Math.round(c * 255)))
}

/** For each output index: the first source index it covers, and the share of each source index from there (summing to 1). */
interface Coverage { first: Int32Array, shares: Float32Array[] }

function coverage (from: number, to: number): Coverage {
  const scale = from / to
  const first = new Int32Array(to)
  const shares = Array.from({ length: to }, (_, i) => {
    const start = i * scale
    const end = Math.min(from, start + scale)
    first[i] = Math.floor(start)
    const parts: number[] = []
    for (let s = Math.floor(start); s < end; s++) parts.push((Math.min(end, s + 1) - Math.max(start, s)) / scale)
    return Float32Array.from(parts)
  })
  return { first, shares }
}

/**
 * The picture at `width`×`height` (either may grow or shrink; aspect is the
 * caller's business). Rows then columns: the first pass already shrinks the
 * width, so a large frame costs one pass over its pixels. Plain indexed loops:
 * this runs over every pixel of a 4K frame.
 */
export function resample (picture: Picture, width: number, height: number): Picture {
  const { width: w, height: h, data } = picture
  if (w === width && h === height) return picture
  const columns = coverage(w, width)
  // Premultiplied linear RGBA, `width` wide, `h` high.
  const across = new Float32Array(width * h * 4)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < width; x++) {
      const shares = columns.shares[x] as Float32Array
      let i = (y * w + (columns.first[x] as number)) * 4
      let r = 0; let g = 0; let b = 0; let a = 0
      for (let k = 0; k < shares.length; k++, i += 4) {
        const alpha = (data[i + 3] as number) / 255 * (shares[k] as number)
        r += (TO_LINEAR[data[i] as number] as number) * alpha
        g += (TO_LINEAR[data[i + 1] as number] as number) * alpha
        b += (TO_LINEAR[data[i + 2] as number] as number) * alpha
        a += alpha
      }
      const o = (y * width + x) * 4
      across[o] = r; across[o + 1] = g; across[o + 2] = b; across[o + 3] = a
    }
  }
  const rows = coverage(h, height)
  const out = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) {
    const shares = rows.shares[y] as Float32Array
    const first = rows.first[y] as number
    for (let x = 0; x < width; x++) {
      let r = 0; let g = 0; let b = 0; let a = 0
      for (let k = 0; k < shares.length; k++) {
        const i = ((first + k) * width + x) * 4
        const share = shares[k] as number
        r += (across[i] as number) * share
        g += (across[i + 1] as number) * share
        b += (across[i + 2] as number) * share
        a += (across[i + 3] as number) * share
      }
      if (a <= 0) continue
      const o = (y * width + x) * 4
      out[o] = toSrgb8(r / a); out[o + 1] = toSrgb8(g / a); out[o + 2] = toSrgb8(b / a); out[o + 3] = Math.round(Math.min(1, a) * 255)
    }
  }
  return { width, height, data: out }
}

/**
 * The largest size in cells that keeps the picture's aspect within
 * `maxColumns`×`maxRows`, taking a cell as twice as high as it is wide.
 */
export function fitCells (size: { width: number, height: number }, maxColumns: number, maxRows: number): { columns: number, rows: number } {
  const aspect = size.width / Math.max(1, size.height)
  const columns = Math.max(1, Math.min(maxColumns, Math.round(maxRows * 2 * aspect)))
  const rows = Math.max(1, Math.min(maxRows, Math.round(columns / aspect / 2)))
  return { columns, rows }
}

/** The size that fits within `max`×`max`, keeping the aspect; never larger than the picture. */
export function shrinkToFit (size: { width: number, height: number }, maxWidth: number, maxHeight: number): { width: number, height: number } {
  const scale = Math.min(1, maxWidth / size.width, maxHeight / size.height)
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) }
}
