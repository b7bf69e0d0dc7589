import path from 'node:path'

export type RenderFormat = 'PNG' | 'JPEG' | 'OPEN_EXR'

/** The extension Blender gives each format when `-x 1` is on. */
export const FORMAT_EXTENSIONS: Record<RenderFormat, string> = {
  PNG: 'png',
  JPEG: 'jpg',
  OPEN_EXR: 'exr',
}

/** Blender pads the frame number to at least this many digits (one `#` each). */
export const FRAME_DIGITS = 6

export interface RenderArgsOptions {
  blendPath: string
  /** Directory and file-name start, e.g. `/work/frames/job_1/frame_`; must not end in a digit. */
  outputPrefix: string
  format: RenderFormat
  frames: readonly number[]
}

export function buildRenderArgs (o: RenderArgsOptions): string[] {
  return [
    '-b', o.blendPath,
    // A .blend from the network must never run its own Python, whatever the user's preferences say.
    '-Y',
    '-o', o.outputPrefix + '#'.repeat(FRAME_DIGITS),
    '-F', o.format,
    '-x', '1',
    // Blender acts on arguments in order: the render settings must come before -f.
    '-f', frameListArg(o.frames),
  ]
}

/** `[1, 2, 3, 5]` → `1..3,5`, keeping Blender's render order the caller's order. */
export function frameListArg (frames: readonly number[]): string {
  const unique = [...new Set(frames)]
  if (unique.length === 0) throw new RangeError('no frames to render')
  for (const frame of unique) {
    // Blender reads `-f -3` as "3 before the end" and `+3` as relative: only plain numbers are safe.
    if (!Number.isSafeInteger(frame) || frame < 0) {
      throw new RangeError(`cannot pass frame ${frame} to blender -f: frames must be whole numbers >= 0`)
    }
  }
  const parts: string[] = []
  let start = 0
  for (let i = 1; i <= unique.length; i++) {
    if (i < unique.length && unique[i] === (unique[i - 1] as number) + 1) continue
    const first = unique[start] as number
    const last = unique[i - 1] as number
    parts.push(first === last ? String(first) : `${first}..${last}`)
    start = i
  }
  return parts.join(',')
}

const FRAME_FILE = /(?:^|\D)(\d+)\.(?:png|jpe?g|exr)$/i

/** The frame number in a file name Blender wrote from a prefix made by buildRenderArgs. */
export function frameFromOutputPath (filePath: string): number | undefined {
  // Blender on Windows may print either separator, whatever platform we run on.
  const name = path.win32.basename(filePath)
  const digits = FRAME_FILE.exec(name)?.[1]
  return digits != null ? Number(digits) : undefined
}

/** The file name Blender writes for a frame: `frameFileName('frame_', 7, 'PNG')` → `frame_000007.png`. */
export function frameFileName (namePrefix: string, frame: number, format: RenderFormat): string {
  return `${namePrefix}${String(frame).padStart(FRAME_DIGITS, '0')}.${FORMAT_EXTENSIONS[format]}`
}
