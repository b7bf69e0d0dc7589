import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { mkdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runProcess } from '../process/run-process.js'
import type { ProcessResult, ProcessRunner } from '../process/run-process.js'
import { LineSplitter } from '../process/line-splitter.js'
import { BlenderError } from './errors.js'
import type { BlenderInstall } from './find-blender.js'
import { isLoadWarning, parseBlenderLine } from './output-parser.js'
import { parseDriverMessage } from './driver-messages.js'
import type { DriverMessage, OpenCommand, RenderCommand, SceneFiles } from './driver-messages.js'
import type { RenderFormat } from './output-format.js'
import type { BorderFractions } from '../jobs/tiles.js'
import { FRAME_DIGITS } from './output-format.js'
import { runBlender } from './run-blender.js'
import { driverArgs } from './driver-args.js'
import { OutputTail } from './frame-log.js'

/** Shipped beside this module's source (src/blender), found the same way from dist/blender. */
export const DRIVER_SCRIPT = fileURLToPath(new URL('../../src/blender/microfarm_driver.py', import.meta.url))

const MAX_LOAD_WARNINGS = 50

/** How long Blender may take to start and load the scene (production scenes take minutes). */
const DEFAULT_LOAD_TIMEOUT_MS = 15 * 60_000

export interface BlenderDriverOptions {
  blender: BlenderInstall
  /** The scene to load; without one Blender starts empty and waits for `open`. */
  blendPath?: string
  run?: ProcessRunner
  loadTimeoutMs?: number
  /** A frame during which Blender prints nothing for this long is taken as hung: Blender is stopped and the frame fails. */
  stallTimeoutMs?: number
  onProgress?: (frame: number, done: number, total: number) => void
  /** Render threads (Blender's -t, `microfarm node --threads`); absent: every core. */
  threads?: number
}

/** Ten minutes without one line from Blender: no real frame is that quiet (Cycles prints every few samples). */
export const DEFAULT_STALL_TIMEOUT_MS = 10 * 60_000

/** The driver's mark after a scene loaded (see mark_output in microfarm_driver.py), and how long to wait for it. */
const OUTPUT_MARK = 'MICROFARM_OUTPUT_MARK'
const OUTPUT_MARK_WAIT_MS = 2000

export class DriverStoppedError extends BlenderError {
  override name = 'DriverStoppedError'
}

/**
 * One Blender process that keeps a .blend loaded and renders the frames it is
 * told to, in any order, through the Python driver. Starting Blender and
 * loading a scene costs seconds (minutes for production scenes): paying it
 * once per job instead of once per chunk is what makes a farm cheap.
 */
export class BlenderDriver {
  private socket?: Socket
  private readonly replies: Array<(message: DriverMessage | Error) => void> = []
  private exit?: ProcessResult
  private lastError?: string
  private busy: Promise<unknown> = Promise.resolve()
  /** Folders already created: no file system call per frame. */
  private readonly outputDirs = new Set<string>()

  private constructor (
    private readonly options: BlenderDriverOptions,
    private readonly exited: Promise<ProcessResult>,
    private readonly kill: AbortController,
    private readonly token: string,
  ) {
    void exited.then((result) => {
      this.exit = result
      this.failPending(new DriverStoppedError(this.whyStopped()))
    }, (err: unknown) => this.failPending(err instanceof Error ? err : new Error(String(err))))
  }

  /** Starts Blender with the scene and waits until the driver says it is ready. */
  static async start (options: BlenderDriverOptions): Promise<BlenderDriver> {
    const token = randomBytes(16).toString('hex')
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const port = (server.address() as { port: number }).port
    // Blender may print before the driver object exists; lines go to it once it does.
    const holder: { driver?: BlenderDriver } = {}
    const onLine = (line: string): void => holder.driver?.onOutput(line)
    const kill = new AbortController()
    const exited = runBlender(options.blender, {
      command: options.blender.path,
      args: driverArgs({ script: DRIVER_SCRIPT, port, token, ...(options.blendPath !== undefined ? { blendPath: options.blendPath } : {}), ...(options.threads !== undefined ? { threads: options.threads } : {}) }),
      signal: kill.signal,
      killGraceMs: 250,
      onStdoutLine: onLine,
      onStderrLine: onLine,
    }, options.run ?? runProcess)
    const driver = new BlenderDriver(options, exited, kill, token)
    holder.driver = driver
    try {
      await driver.connect(server, token, options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS)
    } catch (err) {
      driver.kill.abort(err)
      await exited.catch(() => undefined)
      throw err
    } finally {
      server.close()
    }
    return driver
  }

  get alive (): boolean { return this.exit === undefined && !this.kill.signal.aborted }

  /** The render threads Blender says it uses (the scene's setting, or -t's override). */
  renderThreads?: number

  /** What Blender printed while it rendered the last frame (bounded, see frame-log.ts); kept after a failure. */
  get frameLog (): string[] { return this.frameOutput?.lines() ?? [] }

  private frameOutput?: OutputTail

  /** The scene Blender has loaded, if any. */
  get loaded (): string | undefined { return this.blendPath }

  private blendPath?: string

  private async connect (server: Server, token: string, timeoutMs: number): Promise<void> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BlenderError(`Blender did not load the scene within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs)
      server.once('connection', (s) => { clearTimeout(timer); resolve(s) })
      void this.exited.then(() => { clearTimeout(timer); reject(new BlenderError(this.whyStopped())) }, reject)
    })
    this.socket = socket
    const lines = new LineSplitter((line) => {
      const message = parseDriverMessage(line)
      if (message !== undefined) this.replies.shift()?.(message)
    })
    socket.setEncoding('utf8').on('data', (chunk: string) => lines.push(chunk))
    // A reset when Blender is stopped (hung, cancelled) or dies says nothing a user can act on:
    // the frame fails with why Blender stopped, the socket's error as the cause.
    socket.on('error', (err) => this.failPending(this.watched?.stalled === true || this.kill.signal.aborted || this.exit !== undefined
      ? new DriverStoppedError(this.whyStopped(), { cause: err })
      : err))
    socket.on('close', () => this.failPending(new DriverStoppedError(this.whyStopped())))
    const ready = await this.nextReply()
    if (ready.type !== 'ready' || ready.token !== token) {
      throw new BlenderError('the Blender driver did not start properly')
    }
    if (ready.threads !== undefined) this.renderThreads = ready.threads
    if (this.options.blendPath !== undefined) this.blendPath = this.options.blendPath
  }

  /**
   * Loads a scene into a Blender that started empty (or replaces the one it
   * has), rewrites the scene's absolute paths to where their files lie on
   * this machine, and from then on checks before each frame that every file
   * it needs exists (except `allowedMissing`, as the .blend names them).
   * Returns what Blender warned about while loading (a library it could not
   * open, a movie it could not find).
   */
  async open (blendPath: string, scene: SceneFiles = { remap: [], allowedMissing: [] }): Promise<string[]> {
    return this.exclusive(async () => {
      if (!this.alive || this.socket === undefined) throw new DriverStoppedError(this.whyStopped())
      this.lastError = undefined
      this.loadWarnings = []
      const reply = this.nextReply()
      const command: OpenCommand = { type: 'open', path: path.resolve(blendPath), remap: scene.remap, allowedMissing: scene.allowedMissing }
      this.socket.write(JSON.stringify(command) + '\n')
      const message = await reply
      // The answer came on the socket; what Blender printed while loading comes on its pipes, maybe later.
      await this.outputMarked(OUTPUT_MARK_WAIT_MS)
      const warnings = this.loadWarnings
      this.loadWarnings = undefined
      if (message.type === 'failed') throw new BlenderError(this.lastError ?? message.error.replace(/^Error: /, ''))
      if (message.type !== 'opened') throw new BlenderError(`unexpected answer from the Blender driver: ${message.type}`)
      this.blendPath = blendPath
      // Blender could not open the artist's absolute paths before the driver rewrote them: not worth a warning.
      const rewritten = scene.remap.flatMap(entry => [entry.from, entry.from.replace(/\\/g, '/')])
      return [...warnings.filter(w => !rewritten.some(from => w.includes(from))), ...message.remapErrors]
    })
  }

  /** Lines Blender prints while a scene loads, kept for the user: it reports missing files nowhere else. */
  private loadWarnings?: string[]

  /** One command at a time: replies come back in order. */
  private async exclusive<T> (work: () => Promise<T>): Promise<T> {
    const previous = this.busy
    let done!: () => void
    this.busy = new Promise<void>(resolve => { done = resolve })
    await previous
    try {
      return await work()
    } finally {
      done()
    }
  }

  private async nextReply (): Promise<DriverMessage> {
    const reply = await new Promise<DriverMessage | Error>((resolve) => this.replies.push(resolve))
    if (reply instanceof Error) throw reply
    return reply
  }

  private failPending (error: Error): void {
    for (const reply of this.replies.splice(0)) reply(error)
  }

  /** The frame being rendered, while it renders: Blender's silence is watched. */
  private watched?: { frame: number, timer?: NodeJS.Timeout, stalled: boolean }

  private watch (frame: number): void {
    this.watched = { frame, stalled: false }
    this.rearm()
  }

  private rearm (): void {
    const watched = this.watched
    if (watched === undefined) return
    clearTimeout(watched.timer)
    const ms = this.options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS
    watched.timer = setTimeout(() => {
      watched.stalled = true
      this.kill.abort(new Error(`Blender printed nothing for ${Math.round(ms / 1000)} s`))
    }, ms)
    watched.timer.unref()
  }

  private unwatch (): void {
    clearTimeout(this.watched?.timer)
    this.watched = undefined
  }

  /** Output marks seen since the last open (one on stdout, one on stderr), and who waits for them. */
  private marks = 0
  /** Blender's lines go to frameOutput while a frame renders and its output is read. */
  private collecting = false
  private markSeen?: () => void

  /** Waits (at most `ms`) until the driver's mark arrived on both of Blender's output streams. */
  private async outputMarked (ms: number): Promise<void> {
    if (this.marks < 2) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms)
        this.markSeen = () => {
          if (this.marks < 2) return
          clearTimeout(timer)
          resolve()
        }
      })
    }
    this.markSeen = undefined
    this.marks = 0
  }

  private onOutput (line: string): void {
    if (line.trim() === `${OUTPUT_MARK} ${this.token}`) {
      this.marks++
      this.markSeen?.()
      return
    }
    this.rearm()
    if (this.collecting) this.frameOutput?.push(line)
    if (this.loadWarnings !== undefined && this.loadWarnings.length < MAX_LOAD_WARNINGS && isLoadWarning(line)) this.loadWarnings.push(line.trim().slice(0, 1000))
    const parsed = parseBlenderLine(line)
    if (parsed.kind === 'error') this.lastError = parsed.message
    else if (parsed.kind === 'progress') this.options.onProgress?.(parsed.frame, parsed.done, parsed.total)
  }

  private whyStopped (): string {
    if (this.watched?.stalled === true) {
      const seconds = Math.round((this.options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS) / 1000)
      return `Blender showed no progress for ${seconds} s on frame ${this.watched.frame} (hung?): it was stopped, and the frame goes to another node`
    }
    if (this.kill.signal.aborted) return 'cancelled: Blender was stopped'
    const how = this.exit?.signal != null ? `was killed by ${this.exit.signal}` : `exited with code ${this.exit?.exitCode ?? '?'}`
    return this.lastError !== undefined ? `${this.lastError} (Blender ${how})` : `Blender ${how}`
  }

  /** What the last tile render switched off because it needs the whole image (compositing, denoising, sequencer). */
  tileTurnedOff: string[] = []

  /**
   * Renders one frame to `<outputDir>/frame_000001.png` (extension per format),
   * or with `tile` only that tile of it, to `tile<index>_frame_000001.png`.
   * A Blender error fails this frame only; the driver goes on with the next.
   */
  async render (frame: number, outputDir: string, format: RenderFormat, tile?: { index: number, border: BorderFractions }): Promise<string> {
    return this.exclusive(async () => {
      if (!this.alive || this.socket === undefined) throw new DriverStoppedError(this.whyStopped())
      if (!this.outputDirs.has(outputDir)) {
        await mkdir(outputDir, { recursive: true })
        this.outputDirs.add(outputDir)
      }
      const prefix = tile === undefined ? 'frame_' : `tile${tile.index}_frame_`
      const command: RenderCommand = { type: 'render', frame, format, outputPrefix: path.join(path.resolve(outputDir), prefix), digits: FRAME_DIGITS, ...(tile !== undefined ? { tile: tile.border } : {}) }
      this.lastError = undefined
      this.frameOutput = new OutputTail()
      this.collecting = true
      const reply = this.nextReply()
      this.socket.write(JSON.stringify(command) + '\n')
      this.watch(frame)
      let message: DriverMessage
      try {
        message = await reply.finally(() => this.unwatch())
        // The answer came on the socket; Blender's last lines of the frame come on its pipes, maybe later.
        await this.outputMarked(OUTPUT_MARK_WAIT_MS)
      } finally {
        this.collecting = false
      }
      if (message.type === 'failed') throw new BlenderError(message.error.replace(/^Error: /, ''))
      if (message.type !== 'saved' || message.frame !== frame) throw new BlenderError(`unexpected answer from the Blender driver: ${message.type}`)
      if ((await stat(message.path)).size === 0) throw new BlenderError(`Blender wrote an empty ${message.path}`)
      this.tileTurnedOff = message.turnedOff
      return message.path
    })
  }

  /** Lets Blender quit; kills it when it does not within a second (or at once with `now`). */
  async stop (now = false): Promise<void> {
    if (this.exit !== undefined) return
    if (!now && this.socket !== undefined && !this.socket.destroyed) {
      this.socket.end(JSON.stringify({ type: 'quit' }) + '\n')
      const timer = setTimeout(() => this.kill.abort(new Error('stopping')), 1000)
      await this.exited.catch(() => undefined)
      clearTimeout(timer)
      return
    }
    this.kill.abort(new Error('stopping'))
    await this.exited.catch(() => undefined)
  }
}
