import type { CoordinatorEvent } from '../coordinator/events.js'
import type { NodeSnapshot } from '../coordinator/node-registry.js'
import type { FramePhase } from '../coordinator/frame-phases.js'
import type { JobView } from '../jobs/job.js'
import { Controller } from './controller.js'
import type { DashboardActions } from './controller.js'
import { FarmModel } from './farm-model.js'
import type { LogLevel } from './farm-model.js'
import { DecodeThread } from './decode-thread.js'
import { ASCII_GLYPHS, UNICODE_GLYPHS } from './glyphs.js'
import { previewPlace } from './preview-panel.js'
import { PreviewService } from './preview-service.js'
import { RenderScheduler } from './render-scheduler.js'
import { Terminal } from './terminal.js'
import type { TerminalStreams } from './terminal.js'
import { buildView, pickJob } from './view-model.js'

/** What the dashboard reads and drives: a Coordinator has all of it; tests pass fakes. */
export interface FarmSource {
  events: { on: (listener: (event: CoordinatorEvent) => void) => () => void }
  farm: { jobs: ReadonlyMap<string, JobView>, nodes: { snapshots: () => NodeSnapshot[] }, phases?: { of: (job: JobView, frame: number) => FramePhase | undefined } }
  api: DashboardActions
  /** Where the frames are, for the preview (read in this process, from the output folder). */
  store?: { layout: FrameLayout }
}

export interface FrameLayout {
  // Method syntax on purpose: the output layout takes a Job and only reads it, so a JobView will do.
  framePath (job: JobView, frame: number): string
}

export interface DashboardInit {
  farmName: string
  /** The farm takes only machines holding its key. */
  farmPrivate?: boolean
  /** At most one redraw per this many ms (default 100: ten a second). */
  renderIntervalMs?: number
  now?: () => number
}

export interface OpenOptions extends TerminalStreams {
  /** Block characters or ASCII; default: what blessed detects for the terminal. */
  unicode?: boolean
}

/**
 * The terminal UI. Created before the coordinator starts, so its model sees
 * every event from the first; `open` then takes over the terminal. Events
 * only mark the view dirty; the render scheduler draws at most ten times a
 * second, however many arrive.
 */
export class Dashboard {
  readonly model: FarmModel
  readonly controller: Controller
  /** Resolves when the user quits; rejects when the UI itself fails. */
  readonly closed: Promise<void>
  private terminal?: Terminal
  private scheduler?: RenderScheduler
  private ticker?: NodeJS.Timeout
  private readonly unsubscribe: () => void
  private readonly now: () => number
  private settle: { resolve: () => void, reject: (err: Error) => void } = { resolve: () => {}, reject: () => {} }
  private glyphs = ASCII_GLYPHS
  private readonly previews?: PreviewService
  private readonly decoder = new DecodeThread()

  constructor (private readonly source: FarmSource, private readonly init: DashboardInit) {
    this.now = init.now ?? Date.now
    this.model = new FarmModel(init.farmName)
    this.model.farmPrivate = init.farmPrivate === true
    this.closed = new Promise((resolve, reject) => { this.settle = { resolve, reject } })
    this.controller = new Controller({
      actions: source.api,
      jobs: () => this.jobs(),
      log: (text, level) => this.note(text, level),
      changed: () => this.scheduler?.request(),
      quit: () => this.close(),
      redraw: () => this.terminal?.redraw(),
    })
    const layout = source.store?.layout
    if (layout !== undefined) {
      this.previews = new PreviewService({
        framePath: (job, frame) => layout.framePath(job, frame),
        decode: async (path, bytes) => this.decoder.decode(path, bytes),
        changed: () => this.scheduler?.request(),
        now: this.now,
      })
    }
    this.unsubscribe = source.events.on((event) => {
      this.model.apply(event, this.now())
      this.scheduler?.request()
    })
  }

  /** A line in the log pane that is not a coordinator event (startup notes, the UI's own messages). */
  note (text: string, level: LogLevel = 'info'): void {
    this.model.note(text, level, this.now())
    this.scheduler?.request()
  }

  /** Takes over the terminal: alternate screen, raw keys. */
  open (options: OpenOptions): Terminal {
    if (this.terminal !== undefined) return this.terminal
    const terminal = new Terminal(options, {
      key: (press) => this.controller.key(press),
      resize: () => this.scheduler?.request(),
    })
    this.terminal = terminal
    this.glyphs = (options.unicode ?? terminal.unicode) ? UNICODE_GLYPHS : ASCII_GLYPHS
    this.scheduler = new RenderScheduler(() => this.draw(), this.init.renderIntervalMs ?? 100)
    // Ages ("seen 5s ago"), rates and ETAs move with the clock even when nothing happens.
    this.ticker = setInterval(() => this.scheduler?.request(), 1000)
    this.ticker.unref()
    this.scheduler.request()
    return terminal
  }

  /** Gives the terminal back as it was. Safe to call more than once. */
  close (error?: Error): void {
    this.unsubscribe()
    this.scheduler?.stop()
    clearInterval(this.ticker)
    this.decoder.stop()
    this.terminal?.destroy()
    this.terminal = undefined
    if (error !== undefined) this.settle.reject(error)
    else this.settle.resolve()
  }

  private readonly framePhase = (job: JobView, frame: number): FramePhase | undefined => this.source.farm.phases?.of(job, frame)

  private jobs (): JobView[] {
    return [...this.source.farm.jobs.values()].sort((a, b) => Number(a.id) - Number(b.id))
  }

  /** The selected job's frame, when the preview is on and the screen has room for it (nothing is read otherwise). */
  private preview (jobs: readonly JobView[], width: number): ReturnType<PreviewService['show']> {
    const ui = this.controller.state
    const job = pickJob(jobs, ui.selectedJobId)
    if (this.previews === undefined || ui.preview.hidden || job === undefined || previewPlace(width) === undefined) return undefined
    return this.previews.show(job, ui.preview.picked)
  }

  private draw (): void {
    const terminal = this.terminal
    if (terminal === undefined) return
    try {
      const jobs = this.jobs()
      const preview = this.preview(jobs, terminal.size.width)
      const view = buildView({
        ...terminal.size,
        now: this.now(),
        jobs,
        sessions: this.source.farm.nodes.snapshots(),
        ...(this.source.farm.phases !== undefined ? { framePhase: this.framePhase } : {}),
        model: this.model,
        ui: this.controller.state,
        glyphs: this.glyphs,
        colors: terminal.colors,
        ...(preview !== undefined ? { preview } : {}),
      })
      this.controller.sync(view)
      terminal.paint(view)
    } catch (err) {
      // A bug in drawing must not leave the terminal in raw mode with a frozen screen.
      this.close(err instanceof Error ? err : new Error(String(err)))
    }
  }
}
