// The terminal's colours as numbers blessed understands ({196-fg}), and the
// nearest one to a pixel. Terminals of 256 colours share the same 6x6x6 cube
// and grey ramp (16–255); the first 16 differ from terminal to terminal, so
// they are only used where there is nothing else (xterm's defaults assumed).

export type Rgb = readonly [number, number, number]

const CUBE_LEVELS = [0, 95, 135, 175, 215, 255] as const

/** xterm's default first 16 colours: black, red, green, yellow, blue, magenta, cyan, white, then bright. */
const SYSTEM: readonly Rgb[] = [
  [0, 0, 0], [205, 0, 0], [0, 205, 0], [205, 205, 0], [0, 0, 238], [205, 0, 205], [0, 205, 205], [229, 229, 229],
  [127, 127, 127], [255, 0, 0], [0, 255, 0], [255, 255, 0], [92, 92, 255], [255, 0, 255], [0, 255, 255], [255, 255, 255],
]

/** The colour of palette entry `index` (0–255). */
export function paletteRgb (index: number): Rgb {
  if (index < 16) return SYSTEM[index] ?? [0, 0, 0]
  if (index >= 232) {
    const grey = 8 + 10 * (index - 232)
    return [grey, grey, grey]
  }
  const n = index - 16
  return [CUBE_LEVELS[Math.floor(n / 36)] ?? 0, CUBE_LEVELS[Math.floor(n / 6) % 6] ?? 0, CUBE_LEVELS[n % 6] ?? 0]
}

type Lab = [number, number, number]

const LINEAR = Array.from({ length: 256 }, (_, v) => {
  const c = v / 255
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
})

const labF = (t: number): number => t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116

/** CIELAB (D65): distances there follow what the eye sees far better than in RGB. */
function toLab (r: number, g: number, b: number): Lab {
  const lr = LINEAR[r] ?? 0
  const lg = LINEAR[g] ?? 0
  const lb = LINEAR[b] ?? 0
  const x = labF((0.4124 * lr + 0.3576 * lg + 0.1805 * lb) / 0.95047)
  const y = labF(0.2126 * lr + 0.7152 * lg + 0.0722 * lb)
  const z = labF((0.0193 * lr + 0.1192 * lg + 0.9505 * lb) / 1.08883)
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)]
}

interface Candidates { indexes: number[], labs: Lab[] }

function candidates (indexes: number[]): Candidates {
  return { indexes, labs: indexes.map(index => toLab(...paletteRgb(index))) }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)
const PALETTES = { 256: candidates(range(16, 256)), 16: candidates(range(0, 16)), 8: candidates(range(0, 8)) }

/** How many colours the picture may use on a terminal that has `colors`: 256, 16 or 8 (fewer: none). */
export function paletteSize (colors: number): 256 | 16 | 8 | 0 {
  return colors >= 256 ? 256 : colors >= 16 ? 16 : colors >= 8 ? 8 : 0
}

/** The palette index nearest to an sRGB colour, among the colours a terminal of `colors` shows. */
export function nearestColor (r: number, g: number, b: number, colors: number): number {
  const size = paletteSize(colors)
  if (size === 0) return 0
  const { indexes, labs } = PALETTES[size]
  const [l, a, bb] = toLab(r, g, b)
  let best = 0
  let bestDistance = Infinity
  for (let i = 0; i < labs.length; i++) {
    const c = labs[i] as Lab
    const distance = (c[0] - l) ** 2 + (c[1] - a) ** 2 + (c[2] - bb) ** 2
    if (distance < bestDistance) {
      bestDistance = distance
      best = i
    }
  }
  return indexes[best] ?? 0
}
