import { QUALITY_TABLE } from './settings.js'
import type { EncodeSettings } from './settings.js'

/**
 * A contiguous numbered sequence read by the image2 demuxer, or a concat
 * list file for jobs with gaps (the frames present, in order).
 * `frameCount` stops ffmpeg from wandering on to stray later files.
 */
export type EncodeInput =
  | { kind: 'sequence'; pattern: string; startNumber: number; frameCount?: number }
  | { kind: 'list'; listFile: string }

/** H.264/H.265 in 4:2:0 and ProRes in 4:2:2 need even sizes: pad odd ones by a black pixel. */
export const EVEN_SIZE_FILTER = 'pad=ceil(iw/2)*2:ceil(ih/2)*2'

/**
 * `outputPath` is where ffmpeg writes; the runner passes a temporary name, so
 * the container is named with `-f` rather than guessed from the extension.
 */
export function buildEncodeArgs (o: { input: EncodeInput; settings: EncodeSettings; fps: number; outputPath: string }): string[] {
  const rate = frameRateArg(o.fps)
  return [
    // Machine-readable progress on stdout; only real errors, in ffmpeg's words, on stderr.
    '-nostdin', '-y', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1',
    ...inputArgs(o.input, rate),
    '-vf', videoFilter(o.input, rate),
    ...codecArgs(o.settings),
    '-r', rate,
    '-an',
    '-movflags', '+faststart',
    '-f', o.settings.codec === 'prores' ? 'mov' : 'mp4',
    o.outputPath,
  ]
}

function inputArgs (input: EncodeInput, rate: string): string[] {
  if (input.kind === 'list') {
    // -safe 0: the list holds absolute paths.
    return ['-f', 'concat', '-safe', '0', '-i', input.listFile]
  }
  return [
    // pattern_type sequence: only %d is special, so `*` or `[` in a folder name stay literal.
    '-f', 'image2', '-pattern_type', 'sequence',
    '-framerate', rate, '-start_number', String(input.startNumber), '-i', input.pattern,
    ...(input.frameCount != null ? ['-frames:v', String(input.frameCount)] : []),
  ]
}

function videoFilter (input: EncodeInput, rate: string): string {
  // The concat demuxer gives every image its own default duration; renumber
  // the frames so the video plays them back to back at the job's rate.
  return input.kind === 'list' ? `setpts=N/(${rate})/TB,${EVEN_SIZE_FILTER}` : EVEN_SIZE_FILTER
}

function codecArgs (settings: EncodeSettings): string[] {
  switch (settings.codec) {
    case 'h264':
      return ['-c:v', 'libx264', '-crf', String(QUALITY_TABLE.h264[settings.quality].crf), '-pix_fmt', 'yuv420p']
    case 'h265':
      return [
        '-c:v', 'libx265', '-crf', String(QUALITY_TABLE.h265[settings.quality].crf), '-pix_fmt', 'yuv420p',
        // libx265 logs to stderr itself and would bury the real error lines.
        '-x265-params', 'log-level=error',
        // QuickTime and Apple devices refuse HEVC tagged hev1.
        '-tag:v', 'hvc1',
      ]
    case 'prores':
      return ['-c:v', 'prores_ks', '-profile:v', String(QUALITY_TABLE.prores[settings.quality].profile), '-pix_fmt', 'yuv422p10le']
  }
}

/**
 * ffmpeg wants a rate as an exact fraction: 29.97 typed as a decimal drifts
 * over a long job, so NTSC rates become n/1001 and others the smallest fitting fraction.
 */
export function frameRateArg (fps: number): string {
  if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`frame rate must be a positive number, got ${fps}`)
  for (const den of [1, 1001, ...Array.from({ length: 999 }, (_, i) => i + 2)]) {
    const num = fps * den
    if (Math.abs(num - Math.round(num)) < 1e-6 * den) {
      return den === 1 ? String(Math.round(num)) : `${Math.round(num)}/${den}`
    }
  }
  return String(fps)
}

/**
 * The concat demuxer's list: one `file` line per frame, in order. Inside
 * single quotes everything is literal except the quote itself, written `'\''`.
 */
export function buildConcatList (paths: readonly string[]): string {
  const lines = ['ffconcat version 1.0']
  for (const p of paths) {
    // The list is read line by line; a newline cannot be quoted.
    if (/[\r\n]/.test(p)) throw new RangeError(`cannot list a frame whose path holds a line break: ${JSON.stringify(p)}`)
    lines.push(`file '${p.replaceAll("'", "'\\''")}'`)
  }
  return lines.join('\n') + '\n'
}
