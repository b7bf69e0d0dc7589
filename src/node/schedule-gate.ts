import type { Schedule } from './schedule.js'
import { scheduleAt } from './schedule.js'
import type { TaskRunner } from './task-runner.js'
import type { ScheduleReport } from '../protocol/frame-logs.js'
import { formatUntil } from '../util/format-until.js'
import { errorMessage } from '../util/error-message.js'

/** What the node does when its window closes: finish the frame in Blender, or stop it now (it goes back). */
export type ScheduleStop = 'finish' | 'now'

export interface ScheduleGateInit {
  schedule: Schedule
  /** The node's one clock (tests pass their own and call check()). */
  now: () => Date
  /** Called at start and at every change: asleep or not, and until when (undefined: for good). */
  onChange: (sleeping: boolean, until: Date | undefined) => void
}

/**
 * Looks after the node's --schedule: says at start whether it may render,
 * and again whenever the window opens or closes. It checks at the change and
 * at least every minute: a desktop that was suspended, or whose clock was
 * set, finds its place in the window again within a minute.
 */
export class ScheduleGate {
  private timer?: NodeJS.Timeout
  private state?: { sleeping: boolean, until: number | undefined }

  constructor (private readonly init: ScheduleGateInit) {}

  get sleeping (): boolean { return this.state?.sleeping === true }
  /** When the node sleeps or wakes next, as last checked. */
  get until (): Date | undefined { return this.state?.until !== undefined ? new Date(this.state.until) : undefined }

  start (): void { this.check() }

  stop (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Reads the clock; reports a change (or the first state) and sets the next check. */
  check (): void {
    const now = this.init.now()
    const { inside, nextChange } = scheduleAt(this.init.schedule, now)
    const next = { sleeping: !inside, until: nextChange?.getTime() }
    const changed = this.state?.sleeping !== next.sleeping || this.state.until !== next.until
    this.state = next
    if (changed) this.init.onChange(next.sleeping, nextChange)
    clearTimeout(this.timer)
    const wait = nextChange !== undefined ? Math.min(60_000, Math.max(1000, nextChange.getTime() - now.getTime())) : 60_000
    this.timer = setTimeout(() => this.check(), wait)
    this.timer.unref()
  }
}

/** What the node's schedule needs of the rest of the node. */
export interface NodeScheduleInit {
  schedule: Schedule
  stop: ScheduleStop
  now: () => Date
  log: (line: string) => void
  /** Sends to the coordinator over the current session (false when there is none). */
  send: (message: ScheduleReport) => boolean
  runner: () => Promise<Pick<TaskRunner, 'sleep' | 'wake'>>
}

/**
 * A polite node's schedule put to work: outside the window the task runner
 * sleeps (what it holds goes back, the frame in Blender finishes unless
 * --schedule-stop now), inside it works; each change is said in the node's
 * log and to the coordinator, which shows "sleeping until 19:00".
 */
export class NodeSchedule {
  private readonly gate: ScheduleGate

  constructor (private readonly init: NodeScheduleInit) {
    this.gate = new ScheduleGate({ schedule: init.schedule, now: init.now, onChange: (sleeping, until) => this.changed(sleeping, until) })
  }

  start (): void { this.gate.start() }
  stop (): void { this.gate.stop() }
  /** Re-reads the clock now (tests, with their own clock). */
  check (): void { this.gate.check() }
  get sleeping (): boolean { return this.gate.sleeping }

  /** The report a new session starts with. */
  report (): ScheduleReport {
    const until = this.gate.until
    return { type: 'schedule', window: this.init.schedule.text, sleeping: this.gate.sleeping, ...(until !== undefined ? { until: until.toISOString() } : {}) }
  }

  private changed (sleeping: boolean, until: Date | undefined): void {
    const when = until !== undefined ? ` until ${formatUntil(until, this.init.now())}` : ''
    this.init.log(sleeping
      ? `outside this node's schedule (${this.init.schedule.text}): sleeping${when}`
      : `inside this node's schedule (${this.init.schedule.text}): rendering${when}`)
    this.init.send(this.report())
    this.init.runner().then(async runner => {
      if (sleeping) await runner.sleep(this.init.stop === 'now')
      else runner.wake()
    }).catch((err: unknown) => this.init.log(`could not ${sleeping ? 'go to sleep' : 'wake up'} on schedule: ${errorMessage(err)}`))
  }
}
