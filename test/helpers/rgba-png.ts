import { PNG } from 'pngjs'

// PNG files of given pixels, for the preview's tests: 8-bit RGBA, or 16-bit
// (what Blender writes with "16 bit" colour depth).

/** A PNG of `width`×`height` RGBA pixels, row by row; `samples` are 0–255, or 0–65535 with `bitDepth: 16`. */
export function rgbaPng (width: number, height: number, samples: readonly number[], o: { bitDepth?: 8 | 16 } = {}): Buffer {
  if (samples.length !== width * height * 4) throw new Error(`rgbaPng: ${samples.length} samples for ${width}×${height} pixels`)
  const png = new PNG({ width, height })
  if (o.bitDepth === 16) {
    // pngjs takes 16-bit input as samples in the machine's byte order.
    png.data = Buffer.from(Uint16Array.from(samples).buffer)
    return PNG.sync.write(png, { bitDepth: 16, colorType: 6, inputColorType: 6 })
  }
  png.data = Buffer.from(samples)
  return PNG.sync.write(png, { colorType: 6 })
}

/** `pixels` of [r, g, b, a] laid out as samples. */
export const samplesOf = (pixels: ReadonlyArray<readonly [number, number, number, number]>): number[] => pixels.flat()
