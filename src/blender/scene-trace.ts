import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runProcess } from '../process/run-process.js'
import type { ProcessResult, ProcessRunner } from '../process/run-process.js'
import type { TraceOutput } from './dependencies.js'
import { parseFrameList } from '../jobs/frame-range.js'
import { BlenderError } from './errors.js'
import type { BlenderInstall } from './find-blender.js'
import { parseBlenderLine, parsePythonException } from './output-parser.js'
import { runBlender } from './run-blender.js'
import { ifExists } from '../util/if-exists.js'

// Resolved from this module both in src/ (tsx) and dist/ (built): the .py file ships in src/blender.
export const DEPS_SCRIPT = fileURLToPath(new URL('../../src/blender/microfarm_deps.py', import.meta.url))

export interface FrameSpan {
  start: number
  end: number
  /** The frames rendered, when not every one of the span (`1-99x2`): only their sequence files travel. */
  list?: readonly number[]
}

export interface TraceSceneOptions {
  /** Frames the job renders: which files of image and volume sequences are needed. Default: the scene's range. */
  frames?: FrameSpan
  signal?: AbortSignal
  /** Loading a multi-gigabyte .blend from a network disk takes minutes. */
  timeoutMs?: number
  run?: ProcessRunner
  /** Told once Blender is started (see RunProcessOptions.onSpawned). */
  onStarted?: () => void
}

export function traceArgs (blendPath: string, outPath: string, frames?: FrameSpan, framesFile?: string): string[] {
  // -Y: tracing must not run the file's own scripts; --python-exit-code: a failing walker must fail.
  const range = frames != null ? [String(frames.start), String(frames.end), ...(framesFile !== undefined ? [framesFile] : [])] : []
  return ['-b', blendPath, '-Y', '--python-exit-code', '1', '--python', DEPS_SCRIPT, '--', 'trace', outPath, ...range]
}

/** Lists every external file the scene needs (libraries, textures, caches…), with the scene's facts. */
export async function traceScene (blender: BlenderInstall, blendPath: string, o: TraceSceneOptions = {}): Promise<TraceOutput> {
  const failure = `Blender ${blender.version} could not list the files ${blendPath} needs`
  let dir: string
  try {
    dir = await mkdtemp(join(tmpdir(), 'microfarm-trace-'))
  } catch (error) {
    throw new BlenderError(`${failure}: no temporary folder under ${tmpdir()} (${errorText(error)})`, { cause: error })
  }
  try {
    let framesFile: string | undefined
    if (o.frames?.list !== undefined) {
      framesFile = join(dir, 'frames.json')
      await writeFile(framesFile, JSON.stringify(o.frames.list))
    }
    return await traceInto(blender, blendPath, join(dir, 'trace.json'), framesFile, o, failure)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function traceInto (blender: BlenderInstall, blendPath: string, outPath: string, framesFile: string | undefined, o: TraceSceneOptions, failure: string): Promise<TraceOutput> {
  const output = new TraceLog()
  const timeoutMs = o.timeoutMs ?? 300_000
  const result = await runBlender(blender, {
    command: blender.path, args: traceArgs(blendPath, outPath, o.frames, framesFile), signal: o.signal, timeoutMs,
    onStdoutLine: output.onLine, onStderrLine: output.onLine, ...(o.onStarted !== undefined ? { onSpawned: o.onStarted } : {}),
  }, o.run ?? runProcess)
  if (result.stoppedBecause === 'aborted') throw new BlenderError(`${failure}: cancelled`)
  if (result.stoppedBecause === 'timeout') throw new BlenderError(`${failure}: it took longer than ${timeoutMs / 1000} s`)
  const json = await readTrace(outPath)
  if (result.exitCode !== 0 || json == null) throw new BlenderError(`${failure}: ${output.why(result, json != null)}`)
  return await validate(json, failure)
}

/** The frames of a frame list as the trace takes them: the span, and the list when it is not every frame of it. */
export function traceSpan (spec: string): FrameSpan {
  const list = parseFrameList(spec)
  // A reduce, not Math.min(...): a list of a million frames would overflow the stack.
  const span = list.reduce((s, f) => ({ start: Math.min(s.start, f), end: Math.max(s.end, f) }), { start: Infinity, end: -Infinity })
  // Every frame of the span: no list needed.
  return list.length === span.end - span.start + 1 ? span : { ...span, list }
}

/** What Blender said that explains a failure: its Python exception beats its last error line. */
class TraceLog {
  private lastError: string | undefined
  private pythonError: string | undefined
  private inTraceback = false

  readonly onLine = (line: string): void => {
    this.inTraceback ||= line.includes('Traceback (most recent call last)')
    if (this.inTraceback) this.pythonError = parsePythonException(line) ?? this.pythonError
    const parsed = parseBlenderLine(line)
    if (parsed.kind === 'error') this.lastError = parsed.message
  }

  why (result: ProcessResult, wroteTrace: boolean): string {
    const exit = result.exitCode !== 0 ? `exit code ${result.exitCode ?? result.signal}` : 'it wrote no list'
    return this.pythonError ?? this.lastError ?? (wroteTrace ? exit : `${exit}, no list written`)
  }
}

async function readTrace (outPath: string): Promise<string | undefined> {
  try {
    // No file: the script failed before writing; the caller says why from Blender's output.
    return await ifExists(readFile(outPath, 'utf8'))
  } catch (error) {
    throw new BlenderError(`cannot read the file list Blender wrote to ${outPath}: ${errorText(error)}`, { cause: error })
  }
}

async function validate (json: string, failure: string): Promise<TraceOutput> {
  let data: unknown
  try {
    data = JSON.parse(json)
  } catch (error) {
    throw new BlenderError(`${failure}: its list is not JSON: ${json.slice(0, 200)}`, { cause: error })
  }
  // Loaded only now: building the schemas (zod, the wire's messages) costs ~80 ms, which
  // `submit` spends while Blender reads the scene instead of before it starts Blender.
  const { parseTraceOutput } = await import('./dependencies.js')
  const parsed = parseTraceOutput(data)
  if ('problem' in parsed) throw new BlenderError(`${failure}: unexpected list (${parsed.problem})`, { cause: parsed.cause })
  // Empty filepath: Blender could not load the file and listed its startup scene instead.
  if (parsed.trace.filepath === '') {
    throw new BlenderError(`${failure}: Blender could not load it (not a .blend, damaged, or saved by a newer Blender than ${parsed.trace.blender})`)
  }
  return parsed.trace
}

function errorText (error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
