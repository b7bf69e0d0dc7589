import { z } from 'zod'
import { sceneInfo } from '../protocol/messages.js'
import type { SceneInfoMessage } from '../protocol/messages.js'
import { runProcess } from '../process/run-process.js'
import type { ProcessRunner } from '../process/run-process.js'
import { BlenderError } from './errors.js'
import type { BlenderInstall } from './find-blender.js'
import { parseBlenderLine, parsePythonException, parseSceneInfoLine, SCENE_INFO_PREFIX } from './output-parser.js'
import { runBlender } from './run-blender.js'

/** What a .blend says of its scene: the wire format's schema, read here from Blender's output. */
export type SceneInfo = SceneInfoMessage
const SceneInfoSchema = sceneInfo

// Empty filepath: Blender could not load the file and answered for its startup scene instead.
const LoadedSceneSchema = SceneInfoSchema.extend({ filepath: z.string().min(1) })

// One line: --python-expr text is exec'd, and a newline-free argument survives every platform's quoting.
const SCENE_INFO_EXPR = [
  'import bpy, json',
  's = bpy.context.scene',
  'r = s.render',
  `print(${JSON.stringify(SCENE_INFO_PREFIX)} + json.dumps({'filepath': bpy.data.filepath, ` +
    "'frameStart': s.frame_start, 'frameEnd': s.frame_end, 'frameStep': s.frame_step, " +
    "'fps': r.fps / r.fps_base, 'resolutionX': r.resolution_x, 'resolutionY': r.resolution_y, " +
    "'resolutionPercentage': r.resolution_percentage, 'fileFormat': r.image_settings.file_format, " +
    "'engine': r.engine, 'hasCamera': s.camera is not None, 'cropToBorder': bool(r.use_border and r.use_crop_to_border)}), flush=True)",
].join('; ')

export function sceneInfoArgs (blendPath: string): string[] {
  // -Y: reading facts must not run the file's own scripts; --python-exit-code: a failing expression must fail.
  return ['-b', blendPath, '-Y', '--python-exit-code', '1', '--python-expr', SCENE_INFO_EXPR]
}

export interface ReadSceneInfoOptions {
  signal?: AbortSignal
  run?: ProcessRunner
  /** Loading a multi-gigabyte .blend from a network disk takes minutes. */
  timeoutMs?: number
}

export async function readSceneInfo (blender: BlenderInstall, blendPath: string, o: ReadSceneInfoOptions = {}): Promise<SceneInfo> {
  let json: string | undefined
  let lastError: string | undefined
  let pythonError: string | undefined
  let inTraceback = false
  const onLine = (line: string): void => {
    json ??= parseSceneInfoLine(line)
    inTraceback ||= line.includes('Traceback (most recent call last)')
    if (inTraceback) pythonError = parsePythonException(line) ?? pythonError
    const parsed = parseBlenderLine(line)
    if (parsed.kind === 'error') lastError = parsed.message
  }
  const timeoutMs = o.timeoutMs ?? 300_000
  const result = await runBlender(blender, {
    command: blender.path, args: sceneInfoArgs(blendPath), signal: o.signal, timeoutMs,
    onStdoutLine: onLine, onStderrLine: onLine,
  }, o.run ?? runProcess)
  const failure = `Blender ${blender.version} could not read the scene of ${blendPath}`
  if (result.stoppedBecause === 'aborted') throw new BlenderError(`${failure}: cancelled`)
  if (result.stoppedBecause === 'timeout') throw new BlenderError(`${failure}: it took longer than ${timeoutMs / 1000} s`)
  if (result.exitCode !== 0 || json == null) {
    // Blender's own "script failed, expr: …" says less than the Python exception before it.
    const exit = result.exitCode !== 0 ? `exit code ${result.exitCode ?? result.signal}` : 'it printed no scene info'
    const why = pythonError ?? lastError ?? exit
    throw new BlenderError(`${failure}: ${why}`)
  }
  return validate(json, failure)
}

function validate (json: string, failure: string): SceneInfo {
  let data: unknown
  try {
    data = JSON.parse(json)
  } catch (error) {
    throw new BlenderError(`${failure}: its scene info is not JSON: ${json.slice(0, 200)}`, { cause: error })
  }
  const parsed = LoadedSceneSchema.safeParse(data)
  if (!parsed.success) {
    throw new BlenderError(`${failure}: unexpected scene info (${z.prettifyError(parsed.error)})`, { cause: parsed.error })
  }
  // Parsing again drops the keys SceneInfo does not have.
  return SceneInfoSchema.parse(parsed.data)
}
