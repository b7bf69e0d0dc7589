import { basename, resolve } from 'node:path'
import { findBlender } from '../../blender/find-blender.js'
import { BlenderNotFoundError } from '../../blender/errors.js'
import { runProcess } from '../../process/run-process.js'
import type { ProcessRunner } from '../../process/run-process.js'
import type { ClientOptions, CoordinatorClient } from '../../client/coordinator-client.js'
import { errorMessage } from '../../util/error-message.js'
import { parseFrameList } from '../../jobs/frame-range.js'
import type { Codec, Mp4Location, Quality } from '../../encode/settings.js'
import type { RenderFormatName } from '../../jobs/types.js'
import { checkBlendFile } from '../../blender/blend-file.js'
import type { PrepareOptions, PreparedProject } from '../../project/prepare.js'
import { traceScene, traceSpan } from '../../blender/scene-trace.js'
import { formatBytes } from '../../util/format-bytes.js'
import { waitForJob } from '../wait-for-job.js'
import { transferProgress } from '../transfer-progress.js'
import { describeMissing, describeProjectFiles } from '../project-report.js'
import { readBlendVersion } from '../../blender/blend-file.js'
import { parseVersionRange } from '../../jobs/blender-rules.js'
import type { SubmitRequest, TilesRequest } from '../../protocol/messages.js'
import { stillFrame } from '../../jobs/tiled-still.js'

export interface SubmitFlags extends ClientOptions {
  /** The name the job's owner is shown by (default user@host). */
  as?: string
  frames?: string
  chunk: number
  format: RenderFormatName
  priority: number
  codec: Codec
  quality: Quality
  mp4Location: Mp4Location
  encode: boolean
  fps?: number
  wait: boolean
  /** With --wait (which it implies): bring the job's files here while it renders. */
  download?: string
  json: boolean
  blender?: string
  dryRun: boolean
  allowMissing: boolean
  /** commander's --no-deps: false when given. */
  deps: boolean
  /** Which Blender versions may render it (4.2, 4.2-4.5, >=4.2). */
  blenderVersion?: string
  /** GPU or CPU nodes only. */
  require?: 'gpu' | 'cpu'
  /** --tiles: the one frame of --frames rendered as tiles across the farm. */
  tiles?: TilesRequest['grid']
  overscan: number
}

export async function runSubmit (file: string, flags: SubmitFlags): Promise<number> {
  const path = resolve(file)
  await checkBlendFile(path)
  if (flags.frames !== undefined) parseFrameList(flags.frames)
  if (flags.blenderVersion !== undefined) parseVersionRange(flags.blenderVersion)
  // What the coordinator would refuse about tiles (one frame, PNG) is said before the scene is read.
  const tiles = flags.tiles !== undefined ? { grid: flags.tiles, overscan: flags.overscan } : undefined
  if (tiles !== undefined) stillFrame({ format: flags.format, ...(flags.frames !== undefined ? { frames: flags.frames } : {}) })
  const say = (line: string): void => { if (!flags.json) console.log(line) }

  // The coordinator is found and connected to while the local Blender reads the scene (a child process: this
  // thread waits anyway), once Blender is started: loading libp2p before would hold up Blender's start by as much.
  let connection: ReturnType<typeof connectEarly> | undefined
  const connect = (): void => { if (!flags.dryRun) connection ??= connectEarly(flags) }
  let prepared: PreparedProject
  try {
    prepared = await prepareWithLocalBlender(path, flags, say, connect)
  } catch (err) {
    connection?.drop()
    throw err
  }
  describeScene(prepared, flags, say)

  const missing = prepared.project.manifest.missing
  if (flags.dryRun) {
    if (flags.json) console.log(JSON.stringify({ files: describeProjectFiles(prepared.project), missing, bytes: prepared.project.bytes }))
    else for (const line of [...describeProjectFiles(prepared.project).map(f => `  ${f.path}  ${formatBytes(f.size)}${f.path.startsWith('_external/') ? `  (from ${f.source})` : ''}`), ...describeMissing(missing)]) console.log(line)
    return missing.length > 0 && !flags.allowMissing ? 1 : 0
  }
  if (missing.length > 0 && !flags.allowMissing) {
    for (const line of describeMissing(missing)) console.error(line)
    console.error('nothing was sent: put the missing files back, or submit anyway with --allow-missing (they will render as Blender renders a missing file)')
    connection?.drop()
    return 1
  }
  if (missing.length > 0) for (const line of describeMissing(missing)) say(line)

  const { defaultOwnerName } = await import('../../client/coordinator-client.js')
  const client = await (connection ?? connectEarly(flags)).client
  try {
    const progress = transferProgress(process.stderr)
    // Ctrl-C while files go out: what arrived whole is kept, and the user should know.
    const onInterrupt = (): void => {
      progress.end()
      console.error('interrupted: the files the coordinator received whole are kept; run the same submit again to send the rest')
      process.exit(130)
    }
    process.once('SIGINT', onInterrupt)
    const { sceneInfo } = prepared
    const versions = await versionFacts(path, prepared, flags)
    const result = await client.submit(prepared.project, {
      name: basename(path),
      chunk: flags.chunk,
      format: flags.format,
      priority: flags.priority,
      encode: { enabled: flags.encode, codec: flags.codec, quality: flags.quality, location: flags.mp4Location, ...(flags.fps !== undefined ? { fps: flags.fps } : {}) },
      ...(flags.frames !== undefined ? { frames: flags.frames } : {}),
      ...(sceneInfo !== undefined ? { sceneInfo } : {}),
      ...(tiles !== undefined ? { tiles } : {}),
      owner: flags.as ?? defaultOwnerName(),
      ...versions,
    }, flags.json ? undefined : (p) => progress.update(p)).finally(() => process.off('SIGINT', onInterrupt))
    progress.end()
    if (flags.json && !flags.wait && flags.download === undefined) console.log(JSON.stringify(result))
    const files = prepared.project.manifest.files.length
    const sent = result.filesSent === 0 ? 'the coordinator had every file already' : `sent ${result.filesSent} of ${files} file(s), ${formatBytes(result.bytesSent)}`
    const work = tiles !== undefined ? `frame ${flags.frames ?? ''} in ${result.frames} tiles, stitched on the coordinator` : result.frames > 0 ? `${result.frames} frame(s)` : 'frame range to be read by a node'
    say(`job ${result.jobId} submitted: ${work} (${sent})`)
    if (!flags.json && !flags.wait && flags.download === undefined) console.log(result.jobId)
    if (flags.download !== undefined) return await (await import('../live-download.js')).waitAndDownload(client, result.jobId, flags.download, { json: flags.json })
    if (!flags.wait) return 0
    // Read often: the job's end is seen within a quarter of a second (a list costs the coordinator little).
    return await waitForJob(client, result.jobId, { json: flags.json })
  } finally {
    await client.close()
  }
}

/**
 * Connects in the background; `drop` gives up (discovery stops, a client that
 * connected meanwhile is closed). libp2p is loaded in here: a dry run never needs it.
 */
function connectEarly (flags: SubmitFlags): { client: Promise<CoordinatorClient>, drop: () => void } {
  const stop = new AbortController()
  const client = import('../../client/coordinator-client.js').then(async ({ CoordinatorClient }) => CoordinatorClient.connect({ ...flags, signal: stop.signal }))
  // Its outcome is awaited (or dropped) once the scene is read; meanwhile a failure is not an unhandled one.
  client.catch(() => undefined)
  return {
    client,
    drop: () => {
      stop.abort(new Error('the submit stopped before it needed the coordinator'))
      // What connecting came to no longer matters: the submit has its own reason to stop.
      client.then(async (c) => c.close(), () => undefined).catch((err: unknown) => { console.error(`microfarm: closing the connection: ${errorMessage(err)}`) })
    },
  }
}

/**
 * The scene's project, traced by this machine's Blender. The trace needs only
 * Blender's executable, so it starts as soon as the first Blender is found,
 * and stands in for that Blender's version probe (the trace says the
 * version): one Blender start, not two. A trace that fails is no verdict on
 * the Blender, so then the probe runs after all; when the search settles on
 * another Blender, the early trace is stopped.
 */
async function prepareWithLocalBlender (path: string, flags: SubmitFlags, say: (line: string) => void, onBlenderStarted: () => void): Promise<PreparedProject> {
  const options = { noDeps: !flags.deps, ...(flags.frames !== undefined ? { frames: flags.frames } : {}) }
  let early: { path: string, prepared: Promise<PreparedProject>, version: Promise<string | undefined> } | undefined
  const stopEarly = new AbortController()
  const probe: ProcessRunner = async (run) => {
    const version = early !== undefined && run.command === early.path && run.args[0] === '--version' ? await early.version : undefined
    if (version === undefined) return runProcess(run)
    run.onStdoutLine?.(`Blender ${version}`)
    return { exitCode: 0, signal: null }
  }
  let blender
  try {
    blender = await findBlender({
      ...(flags.blender !== undefined ? { explicitPath: flags.blender } : {}),
      run: probe,
      onCandidate: (candidate) => {
        if (early !== undefined || !flags.deps) return
        say(`reading the scene and listing its files with ${candidate}…`)
        // Blender first, the rest of the submit (hashing, the manifest's schemas) loads while it reads the scene.
        const blender = { path: candidate, version: `at ${candidate}` }
        const range = flags.frames !== undefined ? traceSpan(flags.frames) : undefined
        const trace = traceScene(blender, path, { signal: stopEarly.signal, onStarted: onBlenderStarted, ...(range !== undefined ? { frames: range } : {}) })
        const version = trace.then(t => t.blender, () => undefined)
        const prepared = prepareProject(path, { ...options, signal: stopEarly.signal, blender, trace })
        // Awaited below when this Blender is the one; otherwise stopped, and its outcome does not matter.
        prepared.catch(() => undefined)
        early = { path: candidate, prepared, version }
      },
    })
  } catch (err) {
    if (!(err instanceof BlenderNotFoundError) || flags.blender !== undefined) throw err
  } finally {
    if (early !== undefined && early.path !== blender?.path) stopEarly.abort(new Error('another Blender was chosen'))
  }
  if (blender !== undefined && early?.path === blender.path) return early.prepared
  // Rarer ways (no Blender, --no-deps, a Blender other than the first found): connecting starts now.
  onBlenderStarted()
  if (blender === undefined) {
    if (flags.deps) say('no Blender on this machine: the files this scene needs cannot be listed')
    return prepareProject(path, options)
  }
  say(flags.deps ? `reading the scene and listing its files with Blender ${blender.version}…` : `reading the scene with Blender ${blender.version}…`)
  return prepareProject(path, { ...options, blender })
}

/** prepare.js loaded when needed: `submit` starts the scene's Blender before it (see prepareWithLocalBlender). */
async function prepareProject (path: string, options: PrepareOptions): Promise<PreparedProject> {
  return (await import('../../project/prepare.js')).prepareProject(path, options)
}

/**
 * What the job records of Blender versions: the one that saved the file (its
 * header; for a zstd file, as this machine's Blender read it), this machine's,
 * and what the user asked for.
 */
async function versionFacts (path: string, prepared: PreparedProject, flags: SubmitFlags): Promise<Pick<SubmitRequest, 'blendVersion' | 'submitterBlender' | 'blenderVersion' | 'require'>> {
  const blendVersion = await readBlendVersion(path) ?? prepared.blender?.fileVersion
  return {
    ...(blendVersion !== undefined ? { blendVersion } : {}),
    ...(prepared.blender !== undefined ? { submitterBlender: prepared.blender.version } : {}),
    ...(flags.blenderVersion !== undefined ? { blenderVersion: flags.blenderVersion } : {}),
    ...(flags.require !== undefined ? { require: flags.require } : {}),
  }
}

function describeScene ({ sceneInfo, project, plan, pythonDrivers }: PreparedProject, flags: SubmitFlags, say: (line: string) => void): void {
  if (sceneInfo !== undefined && flags.frames === undefined) {
    say(`frames ${sceneInfo.frameStart}-${sceneInfo.frameEnd}${sceneInfo.frameStep > 1 ? ` every ${sceneInfo.frameStep}` : ''}: the scene's own range, read by this machine's Blender`)
  }
  if (sceneInfo !== undefined && !sceneInfo.hasCamera) say('warning: the scene has no active camera; Blender will refuse to render it')
  if (sceneInfo === undefined && flags.frames === undefined) say('no Blender on this machine: a render node will read the scene\'s frame range')
  if (pythonDrivers > 0) say(`warning: ${pythonDrivers} driver(s) use Python expressions; nodes never run a scene's Python (-Y), so they render as if those drivers were off`)
  if (plan !== undefined) say(`the job carries ${project.manifest.files.length} file(s), ${formatBytes(project.bytes)}, from ${plan.root}`)
  else say('sending the .blend alone (--no-deps): textures, libraries and caches it references will be missing on the nodes')
}
