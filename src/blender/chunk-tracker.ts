import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { ProcessResult } from '../process/run-process.js'
import { parseBlenderLine } from './output-parser.js'
import { FORMAT_EXTENSIONS, frameFromOutputPath } from './render-args.js'
import type { RenderFormat } from './render-args.js'

export interface ChunkResult {
  /** In the order Blender saved them. */
  saved: number[]
  failed: Array<{ frame: number; error: string }>
}

export interface ChunkTrackerOptions {
  frames: readonly number[]
  /** Start of the output file names, e.g. `frame_`: other files Blender reports are not ours. */
  namePrefix: string
  format: RenderFormat
  onFrameSaved: (frame: number, filePath: string) => void
  onProgress?: (frame: number, done: number, total: number) => void
}

/** Follows one Blender render's output and decides, per frame, saved or why not. */
export class ChunkTracker {
  private readonly expected: Set<number>
  private readonly announced = new Set<number>()
  private readonly saved: number[] = []
  private readonly fileProblems = new Map<number, string>()
  private lastError: string | undefined
  private callbackError: unknown
  // File checks run one after another so onFrameSaved fires in Blender's order.
  private checks: Promise<void> = Promise.resolve()

  constructor (private readonly o: ChunkTrackerOptions) {
    this.expected = new Set(o.frames)
  }

  readonly onLine = (line: string): void => {
    const parsed = parseBlenderLine(line)
    if (parsed.kind === 'saved') this.onSaved(parsed.path)
    else if (parsed.kind === 'error') this.lastError = parsed.message
    else if (parsed.kind === 'progress' && this.o.onProgress != null) {
      const { onProgress } = this.o
      this.guard(() => onProgress(parsed.frame, parsed.done, parsed.total))
    }
  }

  /** Waits for the last file checks, then reports every frame of the chunk. */
  async finish (process: ProcessResult): Promise<ChunkResult> {
    await this.checks
    // A throwing callback is a bug in the caller: surface it rather than report frames wrongly.
    if (this.callbackError !== undefined) throw this.callbackError
    const saved = new Set(this.saved)
    const failed = [...this.expected]
      .filter((frame) => !saved.has(frame))
      .map((frame) => ({ frame, error: this.whyNotSaved(frame, process) }))
    return { saved: [...this.saved], failed }
  }

  private onSaved (filePath: string): void {
    const frame = frameFromOutputPath(filePath)
    if (frame == null || !this.expected.has(frame) || this.announced.has(frame) || !this.isOurs(filePath)) return
    this.announced.add(frame)
    this.checks = this.checks.then(async () => {
      if (!await isNonEmptyFile(filePath)) {
        this.fileProblems.set(frame, `Blender reported saving frame ${frame} to ${filePath}, but the file is missing or empty`)
        return
      }
      this.saved.push(frame)
      this.guard(() => this.o.onFrameSaved(frame, filePath))
    })
  }

  private isOurs (filePath: string): boolean {
    const name = path.win32.basename(filePath)
    return name.startsWith(this.o.namePrefix) && name.toLowerCase().endsWith(`.${FORMAT_EXTENSIONS[this.o.format]}`)
  }

  private whyNotSaved (frame: number, process: ProcessResult): string {
    const fileProblem = this.fileProblems.get(frame)
    if (fileProblem != null) return fileProblem
    if (process.stoppedBecause === 'aborted') return `cancelled: Blender was stopped before frame ${frame} was saved`
    if (process.stoppedBecause === 'timeout') return `timed out: Blender was stopped before frame ${frame} was saved`
    if (this.lastError != null) return this.lastError
    if (process.signal != null) return `Blender was killed by ${process.signal} before writing frame ${frame}`
    if (process.exitCode !== 0) return `Blender exited with code ${process.exitCode} without writing frame ${frame}`
    return `Blender exited without writing frame ${frame}`
  }

  private guard (callback: () => void): void {
    try {
      callback()
    } catch (error) {
      // Thrown inside a stream's data handler it would crash the process: keep it for finish().
      this.callbackError ??= error
    }
  }
}

async function isNonEmptyFile (filePath: string): Promise<boolean> {
  try {
    const info = await stat(filePath)
    return info.isFile() && info.size > 0
  } catch {
    return false
  }
}
