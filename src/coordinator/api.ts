import path from 'node:path'
import { submitRequest } from '../protocol/messages.js'
import type { AdminReply, EncodeSettingsMessage, JobAction, JobSummary, NodeSummary, SubmitRequest } from '../protocol/messages.js'
import { MAX_LOG_ATTEMPTS_SHOWN, MAX_LOG_INDEX_FRAMES } from '../protocol/frame-logs.js'
import type { FrameLogEntry } from '../protocol/frame-logs.js'
import type { JobStore } from '../store/job-store.js'
import { parseFrameList } from '../jobs/frame-range.js'
import { DEFAULT_ENCODE_SETTINGS } from '../encode/settings.js'
import { checkBlendFile } from '../blender/blend-file.js'
import type { Farm } from './farm.js'
import { summarizeJob } from './job-summary.js'
import { storeLocalProject } from './local-intake.js'
import { DependenciesUntraceableError, prepareProject } from '../project/prepare.js'
import type { BlenderInstall } from '../blender/find-blender.js'
import { listJobFiles } from './job-files.js'
import type { JobFile } from './job-files.js'
import type { Job } from '../jobs/job.js'
import { checkMayControl, checkMayManageNodes, clearable, DASHBOARD, isAdmin, NotYourJobError } from './ownership.js'
import type { Caller } from './ownership.js'
import { Admins } from './admins.js'
import { NodeAdmin } from './node-admin.js'
import type { NodeAdminState } from './node-states.js'
import { listNodes } from './node-list.js'

export type { JobFile }

/** A job from a .blend on the coordinator's own machine (the terminal UI's "new job"). */
export interface SubmitFileOptions {
  /** Frame list like `1-100,120`; absent = the scene's own range, read by a node. */
  frames?: string
  chunk: number
  priority?: number
  format?: SubmitRequest['format']
  encode?: SubmitRequest['encode']
}

/** Starts an encode of a job's frames in the background; resolves once it is queued. */
export interface JobEncoder {
  encode: (job: Job, overrides?: Partial<EncodeSettingsMessage>) => Promise<string>
}

export class ApiError extends Error {
  override name = 'ApiError'
}

/**
 * The one API for every job control: the CLI (through the admin protocol) and
 * the terminal UI both call this, so they cannot drift apart.
 */
export class CoordinatorApi {
  constructor (
    private readonly farm: Farm,
    private readonly store: JobStore,
    private readonly encoder?: JobEncoder,
    /** This machine's Blender, for the new-job form to list a scene's files; undefined when there is none. */
    private readonly findBlender?: () => Promise<BlenderInstall | undefined>,
  ) {
    this.admins = new Admins(store.layout.adminsPath)
    this.nodeAdmin = new NodeAdmin(farm, store.layout.nodeStatesPath)
  }

  private readonly nodeAdmin: NodeAdmin

  /** Who may control others' jobs (see ownership.ts); loaded by the coordinator at start. */
  readonly admins: Admins

  listJobs (): JobSummary[] {
    const nodes = this.farm.nodes.all()
    return [...this.farm.jobs.values()]
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map(job => summarizeJob(job, this.store.layout, this.farm.phases.counts(job), nodes))
  }

  async jobAction (jobId: string, action: JobAction, encode?: Partial<EncodeSettingsMessage>, caller: Caller = DASHBOARD): Promise<string> {
    checkMayControl(this.farm.job(jobId), action, caller, this.admins.ids())
    switch (action) {
      case 'delete':
        return this.farm.deleteJob(jobId)
      case 'encode': {
        if (this.encoder === undefined) throw new ApiError('this coordinator cannot encode videos')
        return this.encoder.encode(this.farm.job(jobId), encode)
      }
      default:
        return this.farm.control(jobId, action)
    }
  }

  /** Every node the coordinator knows: anyone on the farm may list them. */
  listNodes (now = Date.now()): NodeSummary[] {
    return listNodes(this.farm, now)
  }

  /** Drain, disable or enable a node (by name or peer id): for farm admins; acknowledged once on disk. */
  async nodeState (node: string, state: NodeAdminState, caller: Caller = DASHBOARD): Promise<string> {
    checkMayManageNodes(caller, this.admins.ids())
    return this.nodeAdmin.setState(node, state)
  }

  /** Clears a job's blocklist entry for a node, or every entry (`node` undefined). */
  async unblock (jobId: string, node: string | undefined, caller: Caller = DASHBOARD): Promise<string> {
    // Another chance for nodes on a job, as retry gives: the same rule (the job's owner, or an admin).
    checkMayControl(this.farm.job(jobId), 'retry', caller, this.admins.ids())
    const message = this.nodeAdmin.unblock(jobId, node)
    await this.store.save(this.farm.job(jobId))
    return message
  }

  async clearCompleted (caller: Caller = DASHBOARD): Promise<string> {
    const admins = this.admins.ids()
    return this.farm.clearCompleted(jobs => jobs.filter(job => clearable([job], caller, admins).length > 0))
  }

  /** The farm's admins: anyone may list them; only an admin adds or removes one. */
  async adminsAction (action: 'list' | 'add' | 'remove', who: string | undefined, caller: Caller): Promise<string> {
    if (action === 'list') {
      const listed = this.admins.list()
      return listed.length === 0
        ? "no admins listed: the coordinator's own user (its dashboard, and microfarm on its machine) is the only one"
        : `admins: ${listed.map(a => `${a.name} (${a.peerId})`).join(', ')}; and the coordinator's own user`
    }
    if (!isAdmin(caller, this.admins.ids())) throw new NotYourJobError('only a farm admin adds or removes admins; ask one (microfarm admins list)')
    if (who === undefined) throw new ApiError(`say whom to ${action}: a peer id, or a name as \`microfarm jobs\` shows it as a job's owner`)
    const peerId = this.resolvePeer(who)
    if (action === 'add') {
      const name = [...this.farm.jobs.values()].find(job => job.owner?.peerId === peerId)?.owner?.name ?? who
      await this.admins.add({ peerId, name })
      return `${name} (${peerId}) is a farm admin now`
    }
    return (await this.admins.remove(peerId)) ? `${who} is no longer a farm admin` : `${who} was not a listed admin`
  }

  /** A peer id as given, or the peer id of the job owner by that name. */
  private resolvePeer (who: string): string {
    if (/^[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(who)) return who
    const owners = new Map([...this.farm.jobs.values()].flatMap(job => job.owner !== undefined && job.owner.name === who ? [[job.owner.peerId, job.owner.name]] : []))
    if (owners.size === 1) return [...owners.keys()][0] as string
    if (owners.size === 0) throw new ApiError(`no job owner is called ${who}: give their peer id (microfarm jobs --json shows owners)`)
    throw new ApiError(`several users are called ${who}: give the peer id of the one you mean (microfarm jobs --json shows owners)`)
  }

  /**
   * Checks a .blend on this machine, lists and hashes the files it needs with
   * this machine's Blender, copies what the store lacks into it and submits
   * like the submit protocol does: the same request schema, the same store,
   * the same `farm.submit`.
   */
  async submitFile (file: string, options: SubmitFileOptions): Promise<Job> {
    const blendFile = path.resolve(file)
    await checkBlendFile(blendFile)
    if (options.frames !== undefined) parseFrameList(options.frames)
    const blender = await this.findBlender?.()
    let prepared
    try {
      prepared = await prepareProject(blendFile, { ...(blender !== undefined ? { blender } : {}), ...(options.frames !== undefined ? { frames: options.frames } : {}) })
    } catch (err) {
      if (!(err instanceof DependenciesUntraceableError)) throw err
      throw new ApiError('this machine has no Blender, so the files the scene needs (textures, libraries, caches) cannot be listed: submit it with `microfarm submit` from a machine with Blender, or with `microfarm submit --no-deps` if it needs no other file', { cause: err })
    }
    const { project } = prepared
    if (project.manifest.missing.length > 0) {
      const names = project.manifest.missing.slice(0, 5).map(m => m.stored).join(', ')
      throw new ApiError(`${project.manifest.missing.length} file(s) the scene needs are missing: ${names}${project.manifest.missing.length > 5 ? ', …' : ''} (microfarm submit --dry-run lists them; --allow-missing submits anyway)`)
    }
    const release = await storeLocalProject(this.store.content, project)
    const request = submitRequest.parse({
      type: 'submit',
      name: path.basename(blendFile),
      project: project.ref,
      chunk: options.chunk,
      format: options.format ?? 'PNG',
      priority: options.priority ?? 0,
      encode: options.encode ?? { ...DEFAULT_ENCODE_SETTINGS },
      ...(options.frames !== undefined ? { frames: options.frames } : {}),
      ...(prepared.sceneInfo !== undefined ? { sceneInfo: prepared.sceneInfo } : {}),
    } satisfies SubmitRequest)
    try {
      return await this.farm.submit(request, project.manifest)
    } finally {
      release()
    }
  }

  /**
   * Blender's output of a frame's last attempt (`all`: the newest attempts
   * kept), or without a frame the frames that have one. Open to every farm
   * member, like the job's files.
   */
  async frameLog (jobId: string, frame: number | undefined, all: boolean): Promise<Extract<AdminReply, { type: 'frame-log' | 'frame-log-index' }>> {
    const job = this.farm.job(jobId)
    if (frame === undefined) return { type: 'frame-log-index', jobId, frames: (await this.store.frameLogs.index(jobId)).slice(-MAX_LOG_INDEX_FRAMES) }
    if (job.frames[frame] === undefined) throw new ApiError(`job ${jobId} has no frame ${frame} (its frames: ${summarizeJob(job, this.store.layout).frameRange})`)
    const entries = await this.store.frameLogs.entries(jobId, frame)
    const shown = entries.slice(all ? -MAX_LOG_ATTEMPTS_SHOWN : -1)
    return { type: 'frame-log', jobId, frame, entries: shown, earlier: entries.length - shown.length }
  }

  /** The last attempt of the job's frame that failed last, for the dashboard's `l`; undefined when none failed. */
  async lastFailedFrameLog (jobId: string): Promise<FrameLogEntry | undefined> {
    this.farm.job(jobId)
    const failed = (await this.store.frameLogs.index(jobId)).filter(summary => summary.outcome === 'failed')
    // The newest by time (of two at the same time, the higher frame: the index is by frame).
    const last = failed.reduce<typeof failed[number] | undefined>((latest, summary) => (latest !== undefined && latest.at > summary.at ? latest : summary), undefined)
    if (last === undefined) return undefined
    return (await this.store.frameLogs.entries(jobId, last.frame)).filter(entry => entry.outcome === 'failed').at(-1)
  }

  /** The job's frames and videos on disk, with their sizes. */
  async jobFiles (jobId: string): Promise<JobFile[]> {
    return listJobFiles(this.farm.job(jobId), this.store.layout)
  }
}
