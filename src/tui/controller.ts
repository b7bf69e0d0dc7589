import { homedir } from 'node:os'
import type { JobFile } from '../coordinator/api.js'
import type { JobView } from '../jobs/job.js'
import type { JobAction } from '../protocol/messages.js'
import type { LogLevel } from './farm-model.js'
import { filesInOrder, frameOfFile, moveFilesCursor } from './files-overlay.js'
import type { FilesOverlay } from './files-overlay.js'
import type { LogOverlay } from './log-overlay.js'
import type { FrameLogEntry } from '../protocol/frame-logs.js'
import { newJobForm } from './new-job-form.js'
import { initialUiState, PANELS } from './ui-state.js'
import type { Overlay, Status, UiState } from './ui-state.js'
import { pickJob } from './view-model.js'
import type { View } from './view-model.js'
import { errorMessage } from '../util/error-message.js'

/** A key as the terminal layer reports it: blessed's `full` name, and the character typed, if any. */
export interface KeyPress {
  full: string
  ch?: string
}

/** Everything the UI can ask of the coordinator: the same API the CLI goes through. */
export interface DashboardActions {
  jobAction: (jobId: string, action: JobAction) => Promise<string>
  submitFile: (path: string, options: { frames?: string, chunk: number }) => Promise<{ id: string, name: string }>
  jobFiles: (jobId: string) => Promise<JobFile[]>
  nodeState: (node: string, state: 'drained' | 'disabled' | 'enabled') => Promise<string>
  /** Clears the job's blocklist entry for the node. */
  unblock: (jobId: string, node: string) => Promise<string>
  /** Blender's output of the job's frame that failed last (its last attempt). */
  lastFailedFrameLog: (jobId: string) => Promise<FrameLogEntry | undefined>
}

export interface ControllerDeps {
  actions: DashboardActions
  /** The jobs in id order, as the view shows them. */
  jobs: () => readonly JobView[]
  log: (text: string, level: LogLevel) => void
  /** Something the view shows changed. */
  changed: () => void
  quit: () => void
  redraw: () => void
}

const PAGE = 10

/** What each key does. Actions run in the background; their answer lands in the status line and the log. */
export class Controller {
  readonly state: UiState = initialUiState()
  /** The job the view showed last, which moves start from when the user has not picked one yet. */
  private shownJobId?: string
  /** The nodes panel's rows as the view showed them last (names, in order), and the one it marked. */
  private shownNodes: readonly string[] = []
  private shownNode?: string
  /** The new-job form keeps what was typed until a job is submitted from it. */
  private newJob?: Extract<Overlay, { kind: 'form' }>

  constructor (private readonly deps: ControllerDeps) {}

  key (press: KeyPress): void {
    const key = keyName(press)
    // A carriage return arrives as both "enter" and "return": act once.
    if (key === 'return') return
    if (this.state.overlay !== undefined) this.overlayKey(this.state.overlay, key)
    else this.mainKey(key)
    this.deps.changed()
  }

  /** Takes over the view's clamped scroll positions and the job it showed. */
  sync (view: Pick<View, 'scroll' | 'selectedJobId' | 'overlay'> & Partial<Pick<View, 'nodeNames' | 'selectedNode'>>): void {
    this.state.scroll = { ...view.scroll }
    this.shownJobId = view.selectedJobId
    this.shownNodes = view.nodeNames ?? []
    this.shownNode = view.selectedNode
    if ((this.state.overlay?.kind === 'files' || this.state.overlay?.kind === 'log') && view.overlay?.scroll !== undefined) this.state.overlay.scroll = view.overlay.scroll
  }

  report (text: string, level: Status['level']): void {
    this.state.status = { text, level }
    this.deps.log(text, level === 'error' ? 'error' : 'action')
    this.deps.changed()
  }

  private mainKey (key: string): void {
    const job = pickJob(this.deps.jobs(), this.state.selectedJobId ?? this.shownJobId)
    switch (key) {
      case '?': this.open({ kind: 'help' }); break
      case 'q': case 'C-c': this.quit(); break
      case 'up': case 'k': this.move(-1); break
      case 'down': case 'j': this.move(1); break
      case 'pageup': this.move(-PAGE); break
      case 'pagedown': this.move(PAGE); break
      case 'home': case 'g': this.move(-Infinity); break
      case 'end': case 'G': this.move(Infinity); break
      case 'tab': this.focus(1); break
      case 'S-tab': this.focus(-1); break
      case 'C-l': this.deps.redraw(); break
      case 'v': this.togglePreview(); break
      case 'n':
        this.newJob ??= newJobForm(async (path, options) => this.submit(path, options))
        this.open(this.newJob)
        break
      case 'c': case 'f': case 'd': case 'p': case 'a': case 'r': case 'e': case 'o': case 'l':
        if (job === undefined) this.report('no job selected', 'error')
        else this.jobKey(key, job)
        break
      case 'D': case 'X': case 'E': case 'U':
        this.nodeKey(key, job)
        break
    }
  }

  private jobKey (key: string, job: JobView): void {
    switch (key) {
      case 'c': this.confirm(`Cancel job ${job.id}?`, [`${job.name} stops; nodes stop rendering it at once.`, 'a activates it again later.'], () => this.run(job, 'cancel')); break
      case 'f': this.confirm(`Force-complete job ${job.id}?`, [`${job.name} is marked complete with the frames it has;`, 'the missing ones are listed, the video has gaps.'], () => this.run(job, 'complete')); break
      case 'd': this.confirm(`Delete job ${job.id}?`, [`${job.name} is removed with its frames, videos and manifest.`, 'This cannot be undone.'], () => this.run(job, 'delete')); break
      case 'p': this.run(job, job.state === 'paused' ? 'resume' : 'pause'); break
      case 'a': this.run(job, 'activate'); break
      case 'r': this.run(job, 'retry'); break
      case 'e': this.run(job, 'encode'); break
      case 'o': this.showFiles(job); break
      case 'l': this.showLog(job); break
    }
  }

  /** D drain, X disable, E enable, U unblock on the selected job: on the node picked in the nodes panel. */
  private nodeKey (key: string, job: JobView | undefined): void {
    const node = this.state.focus === 'nodes' ? this.state.selectedNode ?? this.shownNode : undefined
    if (node === undefined) {
      this.report(this.state.focus === 'nodes' ? 'no node to act on' : 'Tab to the nodes panel and pick a node with j/k first', 'error')
      return
    }
    switch (key) {
      case 'D': this.confirm(`Drain node ${node}?`, [`${node} finishes the frames it holds and takes nothing new.`, 'E enables it again; it is remembered across restarts.'], () => this.runNodeAction(node, 'drain', async () => this.deps.actions.nodeState(node, 'drained'))); break
      case 'X': this.confirm(`Disable node ${node}?`, [`${node} stops now: its frames go to other nodes, it gets no work.`, 'E enables it again; it is remembered across restarts.'], () => this.runNodeAction(node, 'disable', async () => this.deps.actions.nodeState(node, 'disabled'))); break
      case 'E': this.runNodeAction(node, 'enable', async () => this.deps.actions.nodeState(node, 'enabled')); break
      case 'U':
        if (job === undefined) this.report('no job selected: pick the job to unblock the node on in the jobs panel', 'error')
        else this.runNodeAction(node, `unblock on job ${job.id}`, async () => this.deps.actions.unblock(job.id, node))
        break
    }
  }

  private runNodeAction (node: string, what: string, action: () => Promise<string>): void {
    this.state.status = { text: `${what} ${node}…`, level: 'info' }
    action().then(
      (message) => this.report(message, 'ok'),
      (err: unknown) => this.report(errorText(err), 'error'),
    )
  }

  private run (job: JobView, action: JobAction): void {
    this.state.status = { text: `${action} job ${job.id}…`, level: 'info' }
    this.deps.actions.jobAction(job.id, action).then(
      (message) => this.report(message, 'ok'),
      (err: unknown) => this.report(errorText(err), 'error'),
    )
  }

  private quit (): void {
    const busy = this.deps.jobs().filter(job => job.state === 'active' || job.state === 'queued')
    if (busy.length === 0) {
      this.deps.quit()
      return
    }
    this.confirm('Quit?', [
      `${busy.length} job(s) queued or active: ${busy.map(job => job.id).join(', ')}.`,
      'Rendering stops until the coordinator runs again; nothing is lost.',
    ], () => this.deps.quit(), ['q', 'C-c'])
  }

  private confirm (title: string, text: string[], onYes: () => void, alsoYes: string[] = []): void {
    this.open({ kind: 'confirm', title, text, onYes, alsoYes })
  }

  private open (overlay: Overlay): void {
    this.state.overlay = overlay
  }

  private move (delta: number): void {
    const { scroll } = this.state
    if (this.state.focus === 'nodes') {
      // The cursor moves over the rows the view showed; the view scrolls to keep it in sight.
      const names = this.shownNodes
      if (names.length === 0) return
      const current = Math.max(0, names.indexOf(this.state.selectedNode ?? this.shownNode ?? ''))
      this.state.selectedNode = names[Math.max(0, Math.min(names.length - 1, clampStep(current, delta)))]
      if (scroll.nodes < 0) scroll.nodes = 0
    } else if (this.state.focus === 'log') {
      // Up goes back in time; G (end) follows new lines again.
      scroll.log = delta === Infinity ? 0 : clampStep(scroll.log, -delta)
    } else {
      const jobs = this.deps.jobs()
      if (jobs.length === 0) return
      const shown = pickJob(jobs, this.state.selectedJobId ?? this.shownJobId)
      const current = shown !== undefined ? jobs.indexOf(shown) : 0
      const index = Math.max(0, Math.min(jobs.length - 1, clampStep(current, delta)))
      this.state.selectedJobId = jobs[index]?.id
    }
  }

  private focus (step: number): void {
    const index = PANELS.indexOf(this.state.focus)
    this.state.focus = PANELS[(index + step + PANELS.length) % PANELS.length] ?? 'jobs'
  }

  private async submit (path: string, options: { frames?: string, chunk: number }): Promise<void> {
    const file = path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path
    const job = await this.deps.actions.submitFile(file, options)
    delete this.newJob
    this.state.selectedJobId = job.id
    this.report(`job ${job.id} submitted: ${job.name}${options.frames !== undefined ? `, frames ${options.frames}` : ', frame range to be read by a node'}`, 'ok')
  }

  private showFiles (job: JobView): void {
    const overlay: FilesOverlay = { kind: 'files', jobId: job.id, scroll: 0, index: 0 }
    this.open(overlay)
    this.deps.actions.jobFiles(job.id).then(
      (files) => { overlay.files = files },
      (err: unknown) => { overlay.error = errorText(err) },
    ).finally(() => this.deps.changed())
  }

  private showLog (job: JobView): void {
    const overlay: LogOverlay = { kind: 'log', jobId: job.id, loaded: false }
    this.open(overlay)
    this.deps.actions.lastFailedFrameLog(job.id).then(
      (entry) => { if (entry !== undefined) overlay.entry = entry },
      (err: unknown) => { overlay.error = errorText(err) },
    ).finally(() => { overlay.loaded = true; this.deps.changed() })
  }

  /** Hidden, or shown again with the latest frame (a frame picked in the files list is let go). */
  private togglePreview (): void {
    const hidden = !this.state.preview.hidden
    this.state.preview = { hidden }
    this.state.status = { text: hidden ? 'preview hidden (v shows it again)' : 'preview: the selected job\'s latest finished frame', level: 'info' }
  }

  /** Enter in the files list: the frame under the cursor goes to the preview. */
  private pickFrame (overlay: FilesOverlay): void {
    const file = filesInOrder(overlay.files ?? [])[overlay.index]
    if (file === undefined) return
    const frame = frameOfFile(file)
    if (frame === undefined) {
      this.state.status = { text: 'the preview shows frames, not videos', level: 'info' }
      return
    }
    this.close()
    this.state.selectedJobId = overlay.jobId
    this.state.preview = { hidden: false, picked: { jobId: overlay.jobId, frame, path: file.path } }
    this.state.status = { text: `frame ${frame} of job ${overlay.jobId} in the preview (v twice: back to the latest)`, level: 'info' }
  }

  private overlayKey (overlay: Overlay, key: string): void {
    switch (overlay.kind) {
      case 'help':
        this.close()
        break
      case 'confirm':
        if (key === 'y' || key === 'Y' || overlay.alsoYes?.includes(key) === true) {
          this.close()
          overlay.onYes()
        } else if (key === 'n' || key === 'N' || key === 'escape') {
          this.close()
          this.state.status = { text: 'nothing done', level: 'info' }
        }
        break
      case 'log': {
        if (key === 'escape' || key === 'l' || key === 'q') this.close()
        const step = key === 'pageup' ? -PAGE : key === 'pagedown' ? PAGE : key === 'up' || key === 'k' ? -1 : key === 'down' || key === 'j' ? 1 : 0
        // Undefined is the end; the view clamps what it shows and hands the position back (see sync).
        if (step !== 0) overlay.scroll = Math.max(0, (overlay.scroll ?? Number.MAX_SAFE_INTEGER) + step)
        break
      }
      case 'files':
        if (key === 'escape' || key === 'o' || key === 'q') this.close()
        else if (key === 'enter') this.pickFrame(overlay)
        else moveFilesCursor(overlay, key, PAGE)
        break
      case 'form':
        this.formKey(overlay, key)
        break
    }
  }

  private formKey (form: Extract<Overlay, { kind: 'form' }>, key: string): void {
    const field = form.fields[form.index]
    if (key === 'escape') {
      this.close()
      return
    }
    if (form.busy === true || field === undefined) return
    if (key === 'enter' && form.index < form.fields.length - 1) form.index++
    else if (key === 'enter') this.submitForm(form)
    else if (key === 'tab' || key === 'down') form.index = (form.index + 1) % form.fields.length
    else if (key === 'S-tab' || key === 'up') form.index = (form.index - 1 + form.fields.length) % form.fields.length
    else if (key === 'backspace') field.value = field.value.slice(0, -1)
    else if (key === 'C-u') field.value = ''
    else if (key === 'space') field.value += ' '
    else if ([...key].length === 1) field.value += key
  }

  private submitForm (form: Extract<Overlay, { kind: 'form' }>): void {
    form.busy = true
    delete form.error
    form.onSubmit(form.fields.map(field => field.value)).then(
      () => { if (this.state.overlay === form) this.close() },
      (err: unknown) => {
        form.error = errorText(err)
        if (this.state.overlay !== form) this.report(form.error, 'error')
      },
    ).finally(() => {
      form.busy = false
      this.deps.changed()
    })
  }

  private close (): void {
    delete this.state.overlay
  }
}

/** What the user typed: the character when it is one, else blessed's key name (`up`, `C-c`, `S-tab`). */
function keyName (press: KeyPress): string {
  const ch = press.ch
  if (ch !== undefined && [...ch].length === 1 && ch >= ' ' && ch !== '\x7f' && !press.full.startsWith('C-')) return ch === ' ' ? 'space' : ch
  return press.full
}

function clampStep (value: number, delta: number): number {
  if (delta === -Infinity) return 0
  if (delta === Infinity) return Number.MAX_SAFE_INTEGER
  return Math.max(0, value + delta)
}

function errorText (err: unknown): string {
  return errorMessage(err)
}
