import type { Job, TiledStill } from '../jobs/job.js'
import { countFrames, frameNumbers, framesByNode } from '../jobs/index.js'
import { summarizeFrameList } from '../jobs/frame-list-summary.js'
import { MAX_ERROR_TEXT, MAX_FRAME_LIST_TEXT, MAX_SHORT_TEXT } from '../protocol/constants.js'
import type { JobSummary } from '../protocol/messages.js'
import { plainText } from '../protocol/plain-text.js'
import type { OutputLayout } from '../store/layout.js'
import { fitText } from '../util/fit-text.js'
import { describeRequirements, whyNobodyMayRender } from '../jobs/blender-rules.js'
import type { NodeFacts } from '../jobs/blender-rules.js'
import { isSchedulable } from '../jobs/scheduler.js'
import type { NodeSession } from './node-registry.js'

/** The longest reason a blocklist entry may give (jobSummary's schema). */
const MAX_BLOCKLIST_REASON = 500

/**
 * What `microfarm jobs` (and the UI) show of a job. Always within the limits
 * of its schema, whatever a job stored holds (one an older coordinator wrote,
 * before it cut texts): a summary that misses them fails the list for everyone.
 */
export function summarizeJob (job: Job, layout: OutputLayout, phases?: { rendering: number, uploading: number, queued: number }, nodes?: ReadonlyArray<NodeFacts & Partial<Pick<NodeSession, 'fetching'>>>): JobSummary {
  const counts = countFrames(job)
  const frames = frameNumbers(job)
  const missing = job.state === 'completed' && counts.done < frames.length
    ? frames.filter(frame => job.frames[frame]?.state !== 'done')
    : undefined
  return {
    id: job.id,
    name: shown(job.name, MAX_SHORT_TEXT),
    ...(job.owner !== undefined ? { owner: { peerId: job.owner.peerId, name: shown(job.owner.name, MAX_SHORT_TEXT) } } : {}),
    state: job.state,
    priority: job.priority,
    framesTotal: frames.length,
    framesDone: counts.done,
    framesFailed: counts.failed,
    // Without what the nodes said (a job no node holds now): every frame handed out counts as rendering.
    framesRendering: phases?.rendering ?? counts.rendering,
    ...(phases !== undefined ? { framesQueuedOnNodes: phases.queued, framesUploading: phases.uploading } : {}),
    chunk: job.chunk,
    format: job.format,
    frameRange: job.tiles !== undefined ? String(job.tiles.frame) : frames.length > 0 ? summarizeFrameList(frames, MAX_FRAME_LIST_TEXT) : '(read from the scene)',
    createdAt: job.createdAt,
    ...(job.finishedAt !== undefined ? { finishedAt: job.finishedAt } : {}),
    ...(job.error !== undefined ? { error: shown(job.error, MAX_ERROR_TEXT) } : {}),
    outputDir: layout.jobDir(job.id),
    byNode: countsByName(framesByNode(job)),
    blocklist: Object.fromEntries(Object.entries(job.blocklist).map(([name, why]) => [shown(name, MAX_SHORT_TEXT), shown(why, MAX_BLOCKLIST_REASON)])),
    ...(missing !== undefined ? { missingFrames: missing } : {}),
    // Paths as the submitter's .blend names them: shown, so plain (the manifest itself keeps them as they are).
    ...(job.missingFiles !== undefined ? { missingFiles: job.missingFiles.map(m => ({ kind: plainText(m.kind), owner: plainText(m.owner), stored: plainText(m.stored), resolved: plainText(m.resolved) })) } : {}),
    ...(job.warnings !== undefined ? { warnings: job.warnings.map(warning => shown(warning, MAX_ERROR_TEXT)) } : {}),
    ...(job.framesWarned !== undefined ? { framesWarned: job.framesWarned } : {}),
    ...(job.project !== undefined ? { projectFiles: job.project.files, projectBytes: job.project.bytes } : {}),
    ...fetchesOf(job, nodes),
    ...requirements(job, nodes),
    encode: {
      settings: job.encode.settings,
      state: job.encode.state,
      ...(job.encode.progress !== undefined ? { progress: job.encode.progress } : {}),
      ...(job.encode.outputPath !== undefined ? { outputPath: job.encode.outputPath } : {}),
      ...(job.encode.error !== undefined ? { error: shown(job.encode.error, MAX_ERROR_TEXT) } : {}),
    },
    ...(job.tiles !== undefined ? { tiles: tilesOf(job.tiles) } : {}),
  }
}

function tilesOf (still: TiledStill): NonNullable<JobSummary['tiles']> {
  const { frame, columns, rows, overscan, stitch, outputPath, error } = still
  return { frame, columns, rows, overscan, stitch, ...(outputPath !== undefined ? { outputPath } : {}), ...(error !== undefined ? { error: shown(error, MAX_ERROR_TEXT) } : {}) }
}

/** The nodes fetching this job's content now (see coordinator/content-swarm.ts). */
function fetchesOf (job: Job, nodes: ReadonlyArray<Pick<NodeFacts, 'name'> & Partial<Pick<NodeSession, 'fetching'>>> | undefined): Partial<JobSummary> {
  const fetching = (nodes ?? []).flatMap(n => n.fetching !== undefined && n.fetching.jobIds.includes(job.id)
    ? [{ node: shown(n.name, MAX_SHORT_TEXT), bytes: n.fetching.bytes, size: n.fetching.size, bytesPerSecond: Math.round(n.fetching.bytesPerSecond), fromPeers: n.fetching.fromPeers, peers: n.fetching.peers }]
    : [])
  return fetching.length > 0 ? { fetching } : {}
}

/** What the job asks of its nodes, and (while it has work and nodes are known) why none online may take it. */
function requirements (job: Job, nodes: readonly NodeFacts[] | undefined): Partial<JobSummary> {
  const needs = describeRequirements(job)
  const waitingFor = nodes !== undefined && isSchedulable(job) ? whyNobodyMayRender(job, nodes) : undefined
  return {
    ...(job.blendVersion !== undefined ? { blendVersion: job.blendVersion } : {}),
    ...(job.submitterBlender !== undefined ? { submitterBlender: shown(job.submitterBlender, MAX_SHORT_TEXT) } : {}),
    ...(job.blenderVersion !== undefined ? { blenderVersion: shown(job.blenderVersion, 40) } : {}),
    ...(job.require !== undefined ? { require: job.require } : {}),
    ...(needs !== undefined ? { needs: shown(needs, MAX_SHORT_TEXT) } : {}),
    ...(waitingFor !== undefined ? { waitingFor: shown(waitingFor, MAX_ERROR_TEXT) } : {}),
  }
}

/** A stored text as a message may carry it: plain, and cut to its limit. */
function shown (text: string, max: number): string {
  return fitText(plainText(text), max)
}

/** Frames per node name; two names that are one once cut add up. */
function countsByName (byNode: Record<string, number>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const [name, frames] of Object.entries(byNode)) {
    const key = shown(name, MAX_SHORT_TEXT)
    counts[key] = (counts[key] ?? 0) + frames
  }
  return counts
}
