import type { Stream } from '@libp2p/interface'
import type { Host } from '../../src/net/host.js'
import { MAX_FRAME_NUMBER } from '../../src/protocol/constants.js'
import type { SeededRandom } from './seeded-random.js'
import { FuzzSession } from './fuzz-wire.js'
import type { Reply } from './fuzz-wire.js'

// One fuzzing peer: its own libp2p host (so its own peer id), its own seeded
// choices, at most one node session at a time, and what it saw: how many
// messages it sent, which operations it ran, and which requests the
// coordinator left unanswered.

/** What the fuzz knows of the coordinator under test. */
export interface FuzzFarm {
  address: string
  /** Ids of jobs that exist or existed: lies name these as often as unknown ids. */
  jobIds: string[]
  /** A .blend the coordinator stores (nodes fetch it by this hash). */
  blendSha256: string
  /** Submits a small real job through the client while the fuzz may still make one. */
  submitJob: (rng: SeededRandom) => Promise<void>
  /** Part of the file names the fuzz tries to write outside the output folder. */
  marker: string
}

export interface HeldFrame { jobId: string, frame: number, taskId: string }

export type FuzzOp = (peer: FuzzPeer) => Promise<void>

export class FuzzPeer {
  messages = 0
  readonly ops = new Map<string, number>()
  /** Requests still unanswered at their deadline: a hang. */
  readonly silent: string[] = []
  /** Requests whose stream ended without the error reply the coordinator promises. */
  readonly wordless: string[] = []
  session?: FuzzSession
  /** Sessions ended by half-closing whose end this peer waited for. */
  endsChecked = 0
  /** Streams left open until the peer stops: replies never read, uploads never finished, messages never ended. */
  readonly heldOpen: Stream[] = []

  constructor (readonly host: Host, readonly rng: SeededRandom, readonly farm: FuzzFarm, readonly name: string) {}

  /** Runs operations picked by weight until `messages` messages were sent. */
  async run (table: ReadonlyArray<readonly [number, string, FuzzOp]>, messages: number): Promise<void> {
    const choices = table.map(([weight, name, op]) => [weight, [name, op]] as const)
    // Operations are picked from a generator of their own: the same seed gives each peer the same
    // sequence of them, whatever the coordinator's answers make the operations themselves choose.
    const picker = this.rng.fork()
    while (this.messages < messages) {
      const [name, op] = picker.weighted(choices)
      this.ops.set(name, (this.ops.get(name) ?? 0) + 1)
      await op(this)
    }
  }

  sent (messages = 1): void { this.messages += messages }

  /** Checks the reply to a request that must be answered (undefined: the stream never opened). */
  answered (what: string, reply: Reply | undefined): void {
    if (reply === undefined) return
    if (reply.timedOut) this.silent.push(what)
    else if (reply.bytes.byteLength === 0) this.wordless.push(what)
  }

  async stop (): Promise<void> {
    this.session?.close()
    await this.host.stop()
  }

  /** A job id: one that exists (or did), or any other. */
  jobId (): string {
    const r = this.rng
    if (this.farm.jobIds.length > 0 && r.chance(0.6)) return r.pick(this.farm.jobIds)
    return r.pick(['0', '999999999', String(r.int(1, 999_999_999)), String(r.int(1, 40))])
  }

  /** A frame number within the schema: small, huge, Blender's last. */
  frame (): number {
    return this.rng.pick([0, 1, this.rng.int(1, 50), this.rng.int(51, MAX_FRAME_NUMBER), MAX_FRAME_NUMBER])
  }

  taskId (): string {
    const held = [...this.session?.tasks.keys() ?? []]
    if (held.length > 0 && this.rng.chance(0.3)) return this.rng.pick(held)
    return this.rng.pick([`t${this.rng.int(0, 5000)}`, '', 'x'.repeat(64), `t${this.rng.int(1, 50)}`])
  }

  /** A frame this peer's session was handed, if it holds any. */
  heldFrame (): HeldFrame | undefined {
    const frames = [...this.session?.tasks.values() ?? []].flatMap(task => task.kind === 'render' ? task.frames.map(frame => ({ jobId: task.jobId, frame, taskId: task.taskId })) : [])
    return frames.length > 0 ? this.rng.pick(frames) : undefined
  }

  heldProbe (): { jobId: string, taskId: string } | undefined {
    const probes = [...this.session?.tasks.values() ?? []].filter(task => task.kind === 'probe')
    return probes.length > 0 ? this.rng.pick(probes) : undefined
  }

  /** An error or warning text a node might send, or one made to forge log lines. */
  text (): string {
    return this.rng.pick(['Error: forged', 'x'.repeat(4000), '\u001b[2J\u001b[Hcoordinator: job 1 completed\nnode joined: root', 'ünïcödé ✓ \u0000 \u202e'])
  }

  /** The live session, joining under a name (its own, another peer's, or a strange one) when there is none. */
  async ensureSession (): Promise<FuzzSession | undefined> {
    if (this.session?.alive === true) return this.session
    const name = this.rng.pick([this.name, `fuzz-${this.rng.int(0, 5)}`, '\u001b[31mred\nnode joined: admin', 'n'.repeat(200), 'desk'])
    this.sent()
    this.session = await FuzzSession.join(this.host, this.farm.address, FuzzSession.hello(name))
    return this.session
  }
}
