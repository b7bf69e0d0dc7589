import { z } from 'zod'
import { MAX_ERROR_TEXT, MAX_FRAME_LIST_TEXT, MAX_FRAME_NUMBER, MAX_OVERSCAN, MAX_PROJECT_FILES, MAX_SHORT_TEXT, MAX_TILES } from './constants.js'
import { missingDependency, projectRef, sha256 } from './project.js'
import { plainText } from './plain-text.js'
import { frameLog, frameLogEntry, frameLogSummary, MAX_LOG_ATTEMPTS_SHOWN, MAX_LOG_INDEX_FRAMES, scheduleReport } from './frame-logs.js'

// The wire format in one place. Every message is JSON in a length-prefixed frame
// and is validated against these schemas on arrival; nothing else crosses machines
// except raw file bytes after a header that announced their size and hash.

export const jobId = z.string().regex(/^[0-9]{1,9}$/, 'a job id')
export const frameNumber = z.number().int().min(0).max(MAX_FRAME_NUMBER)
// Texts a peer wrote (names, Blender's errors) arrive plain: a line break or an
// escape sequence in one must not forge a log line or move a terminal's cursor.
// Cleaned, not refused: a node whose Blender error spans lines still reports it.
export const shortText = z.string().max(MAX_SHORT_TEXT).overwrite(plainText)
export const errorText = z.string().max(MAX_ERROR_TEXT).overwrite(plainText)

/** Major.minor of a Blender, as a .blend's header gives it. */
export const blendVersion = z.string().regex(/^[0-9]{1,2}\.[0-9]{1,2}$/, 'a Blender version like 4.2')
export const deviceRequirement = z.enum(['gpu', 'cpu'])

export const renderFormat = z.enum(['PNG', 'JPEG', 'OPEN_EXR'])
export type RenderFormatName = z.infer<typeof renderFormat>

export const sceneInfo = z.object({
  frameStart: z.number().int(),
  frameEnd: z.number().int(),
  frameStep: z.number().int().min(1),
  fps: z.number().positive(),
  resolutionX: z.number().int().positive(),
  resolutionY: z.number().int().positive(),
  resolutionPercentage: z.number().int().positive(),
  fileFormat: shortText,
  engine: shortText,
  hasCamera: z.boolean(),
  /** The scene renders only its border region, cropped: frames are smaller than the resolution. */
  cropToBorder: z.boolean().optional(),
})
export type SceneInfoMessage = z.infer<typeof sceneInfo>

// --- session: node <-> coordinator, one long-lived stream opened by the node ---

/** Cycles' compute device types (bpy's compute_device_type, with CPU for "none"). */
export const computeDeviceType = z.enum(['CPU', 'CUDA', 'OPTIX', 'HIP', 'METAL', 'ONEAPI'])
export type ComputeDeviceType = z.infer<typeof computeDeviceType>
/** One device a node's Blender renders on: Cycles' stable id (CUDA_<name>_<pci bus id>), its name and type. */
export const renderDevice = z.object({ id: shortText, name: shortText, type: computeDeviceType })
export type RenderDevice = z.infer<typeof renderDevice>

export const nodeHello = z.object({
  type: z.literal('hello'),
  protocolVersion: z.number().int(),
  name: shortText.min(1),
  cores: z.number().int().min(1).max(4096),
  blenderVersion: shortText,
  platform: shortText,
  /** The device type it renders Cycles on; absent from nodes before GPU choice: the CPU. */
  device: computeDeviceType.optional(),
  /** The devices in use (every GPU it uses, or the CPU). */
  devices: z.array(renderDevice).max(32).optional(),
})

// --- tiles: one still rendered by the farm in parts (src/jobs/tiles.ts) ---

const borderFraction = z.number().min(0).max(1)
/** A tile's region as Blender takes it (render.border_min_x …): fractions of the output size, y from the bottom. */
export const tileBorder = z.object({ minX: borderFraction, maxX: borderFraction, minY: borderFraction, maxY: borderFraction })
  .refine(border => border.minX < border.maxX && border.minY < border.maxY, 'a tile border must enclose some area')
export const tileIndex = z.number().int().min(0).max(MAX_TILES - 1)
export const tileGrid = z.object({ columns: z.number().int().min(1).max(MAX_TILES), rows: z.number().int().min(1).max(MAX_TILES) })
export type TileGrid = z.infer<typeof tileGrid>
export type BorderFractions = z.infer<typeof tileBorder>
/** submit --tiles: a grid, or `auto` (sized by the farm's online nodes when the job is made), and the overscan in pixels. */
export const tilesRequest = z.object({ grid: z.union([z.literal('auto'), tileGrid]), overscan: z.number().int().min(0).max(MAX_OVERSCAN) })
export type TilesRequest = z.infer<typeof tilesRequest>

export const renderTask = z.object({
  kind: z.literal('render'),
  taskId: z.string().max(64),
  jobId,
  blendSha256: sha256,
  blendSize: z.number().int().nonnegative(),
  /** The job's files; absent for jobs made before projects existed (the .blend alone). */
  project: projectRef.optional(),
  format: renderFormat,
  /** Frame numbers; in a job of tiles (`tiles`), the tile indices instead. */
  frames: z.array(frameNumber).min(1).max(10_000),
  /**
   * A job of tiles: every entry of `frames` is a tile of this one frame, to be
   * rendered inside its border. In the node's messages about this task
   * (frame-started, frame-rendered, frame-failed, frame uploads, …) `frame`
   * is the tile's index too.
   */
  tiles: z.object({ frame: frameNumber, borders: z.array(z.object({ index: tileIndex, border: tileBorder })).min(1).max(MAX_TILES) }).optional(),
})

export const probeTask = z.object({
  kind: z.literal('probe'),
  taskId: z.string().max(64),
  jobId,
  blendSha256: sha256,
  blendSize: z.number().int().nonnegative(),
  project: projectRef.optional(),
})

export const task = z.discriminatedUnion('kind', [renderTask, probeTask])
export type Task = z.infer<typeof task>
export type RenderTask = z.infer<typeof renderTask>
export type ProbeTask = z.infer<typeof probeTask>

export const nodeToCoordinator = z.discriminatedUnion('type', [
  nodeHello,
  z.object({ type: z.literal('heartbeat') }),
  z.object({ type: z.literal('request-work') }),
  /** `log`: Blender's last lines of the frame; absent from older nodes (and ignored by older coordinators). */
  z.object({ type: z.literal('frame-failed'), taskId: z.string().max(64), jobId, frame: frameNumber, error: errorText, log: frameLog.optional() }),
  z.object({ type: z.literal('task-finished'), taskId: z.string().max(64) }),
  /** Blender's sample count for the frame it renders now (Cycles "Sample n/m", EEVEE samples). */
  z.object({ type: z.literal('frame-progress'), jobId, frame: frameNumber, done: z.number().int().nonnegative(), total: z.number().int().positive() }),
  z.object({ type: z.literal('scene-info'), taskId: z.string().max(64), jobId, info: sceneInfo }),
  z.object({ type: z.literal('probe-failed'), taskId: z.string().max(64), jobId, error: errorText }),
  /** Blender starts on this frame (before: queued on the node); then it is saved and uploading. */
  z.object({ type: z.literal('frame-started'), jobId, frame: frameNumber }),
  /** `warnings`: what Blender warned about while rendering it (a file it could not load), with the frame's last lines. */
  z.object({ type: z.literal('frame-rendered'), jobId, frame: frameNumber, warnings: z.array(errorText).max(50).optional(), log: frameLog.optional() }),
  /** The node gives these frames of its task back unrendered (its --schedule closed): not a failure. */
  z.object({ type: z.literal('return-frames'), taskId: z.string().max(64), jobId, frames: z.array(frameNumber).max(10_000) }),
  /** A node with --schedule says its window and whether it sleeps now; sent when it joins and at each change. */
  scheduleReport,
  /** What Blender said while loading the job's scene on this node (a library it could not open, …). */
  z.object({ type: z.literal('scene-warnings'), jobId, warnings: z.array(errorText).max(50) }),
])
export type NodeToCoordinator = z.infer<typeof nodeToCoordinator>

export const coordinatorToNode = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), farm: shortText, nodeId: z.string().max(100), heartbeatMs: z.number().int().positive() }),
  /** Every heartbeatMs: a coordinator gone without a TCP reset (power cut, cable) is noticed by its silence. */
  z.object({ type: z.literal('heartbeat') }),
  z.object({ type: z.literal('assign'), task }),
  z.object({ type: z.literal('cancel-job'), jobId, reason: shortText }),
  /** Another copy of this frame won: stop rendering it (or skip it if not started). */
  z.object({ type: z.literal('drop-frame'), jobId, frame: frameNumber }),
  z.object({ type: z.literal('error'), message: errorText }),
])
export type CoordinatorToNode = z.infer<typeof coordinatorToNode>

// --- content: a node asks for a file (a .blend, a texture, a project manifest) by content hash ---

export const contentRequest = z.object({ type: z.literal('get-content'), sha256 })
export const contentResponse = z.discriminatedUnion('type', [
  z.object({ type: z.literal('content'), sha256, size: z.number().int().nonnegative() }),
  z.object({ type: z.literal('error'), message: errorText }),
])
export type ContentRequest = z.infer<typeof contentRequest>
export type ContentResponse = z.infer<typeof contentResponse>

// --- frame: node uploads one rendered frame ---

export const frameHeader = z.object({
  type: z.literal('frame'),
  jobId,
  frame: frameNumber,
  size: z.number().int().positive(),
  sha256,
})
export type FrameHeader = z.infer<typeof frameHeader>
export const frameAck = z.discriminatedUnion('type', [
  z.object({ type: z.literal('send-frame') }),
  z.object({ type: z.literal('frame-stored'), jobId, frame: frameNumber, duplicate: z.boolean() }),
  // The coordinator cannot store it now (its disk is full): keep it and send it again later.
  z.object({ type: z.literal('retry-later'), message: errorText }),
  z.object({ type: z.literal('error'), message: errorText }),
])
export type FrameAck = z.infer<typeof frameAck>

// --- submit: a user's machine sends a .blend and job settings ---

export const codecSchema = z.enum(['h264', 'h265', 'prores'])
export const qualitySchema = z.enum(['high', 'medium', 'low'])
/** parent: beside the frames folder; frames: inside it; root: OUTPUT/<job name>. */
export const mp4LocationSchema = z.enum(['parent', 'frames', 'root'])

export const encodeSettings = z.object({
  enabled: z.boolean(),
  codec: codecSchema,
  quality: qualitySchema,
  location: mp4LocationSchema,
  /** Overrides the scene's frame rate when set. */
  fps: z.number().positive().max(1000).optional(),
})
export type EncodeSettingsMessage = z.infer<typeof encodeSettings>

export const submitRequest = z.object({
  type: z.literal('submit'),
  /** Display name only (the .blend's base name); never used as a path. */
  name: shortText.min(1),
  /** The project manifest (see project.ts): the main .blend and every file it needs. */
  project: projectRef,
  /** Frame list as the user typed it, e.g. "1-100,120"; absent = the scene's own range. */
  frames: z.string().max(MAX_FRAME_LIST_TEXT).optional(),
  chunk: z.number().int().min(1).max(10_000),
  format: renderFormat,
  priority: z.number().int().min(-1000).max(1000),
  encode: encodeSettings,
  /** Read by the submitting machine's Blender, when it has one. */
  sceneInfo: sceneInfo.optional(),
  /** Who submits, for people (user@host, or --as NAME); the owner is the submitter's peer id. */
  owner: shortText.min(1).optional(),
  /** Major.minor of the Blender that saved the .blend (its header): older Blenders do not take the job. */
  blendVersion: blendVersion.optional(),
  /** The submitting machine's Blender, for people. */
  submitterBlender: shortText.optional(),
  /** --blender-version as typed (4.2, 4.2-4.5, >=4.2); checked by the coordinator. */
  blenderVersion: z.string().max(40).optional(),
  require: deviceRequirement.optional(),
  /** Split the one frame of `frames` into tiles rendered across the farm and stitched (PNG only). */
  tiles: tilesRequest.optional(),
})
export type SubmitRequest = z.infer<typeof submitRequest>

/**
 * The coordinator asks for what it lacks, one content at a time: the manifest
 * (its bytes follow), then each missing file by its index in the manifest.
 * `need` says up front how much will be asked for, for the submitter's progress.
 */
export const submitReply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('send-manifest') }),
  z.object({ type: z.literal('need'), files: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }),
  z.object({ type: z.literal('send-file'), index: z.number().int().nonnegative() }),
  z.object({ type: z.literal('submitted'), jobId, frames: z.number().int().nonnegative() }),
  z.object({ type: z.literal('error'), message: errorText }),
])
export type SubmitReply = z.infer<typeof submitReply>

// --- admin: one request, one reply per stream ---

export const jobAction = z.enum(['cancel', 'pause', 'resume', 'activate', 'complete', 'retry', 'delete', 'encode'])
export type JobAction = z.infer<typeof jobAction>

export const adminRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('list-jobs') }),
  z.object({ type: z.literal('job-action'), action: jobAction, jobId, encode: encodeSettings.partial().optional() }),
  z.object({ type: z.literal('clear-jobs') }),
  /** The farm's admins: list them, or (an admin) add or remove one by peer id or by a job owner's name. */
  z.object({ type: z.literal('admins'), action: z.enum(['list', 'add', 'remove']), who: shortText.min(1).optional() }),
  /** Blender's output of a frame's last attempt (`all`: of every attempt kept, newest last); without a frame, the frames that have one. */
  z.object({ type: z.literal('frame-log'), jobId, frame: frameNumber.optional(), all: z.boolean() }),
  /** Every node the coordinator knows (connected, and remembered offline ones). */
  z.object({ type: z.literal('list-nodes') }),
  /** An admin drains, disables or enables a node, by its name as `nodes` shows it or its peer id. */
  z.object({ type: z.literal('node-state'), node: shortText.min(1), state: z.enum(['drained', 'disabled', 'enabled']) }),
  /** Clears a job's blocklist entry for one node (by name or peer id), or for every node. */
  z.object({ type: z.literal('unblock'), jobId, node: shortText.min(1).optional(), all: z.boolean().optional() }),
])
export type AdminRequest = z.infer<typeof adminRequest>

export const jobOwner = z.object({ peerId: z.string().max(100), name: shortText })
export type JobOwner = z.infer<typeof jobOwner>

export const jobSummary = z.object({
  id: jobId,
  name: shortText,
  /** Who submitted it: the submitter's peer id (the identity in its MicroFarm folder) and a name for people. */
  owner: jobOwner.optional(),
  state: z.string().max(32),
  priority: z.number().int(),
  framesTotal: z.number().int().nonnegative(),
  framesDone: z.number().int().nonnegative(),
  framesFailed: z.number().int().nonnegative(),
  /** In Blender on a node now. */
  framesRendering: z.number().int().nonnegative(),
  /** Handed to a node that has not started them yet (its next frames, a prefetched task). */
  framesQueuedOnNodes: z.number().int().nonnegative().optional(),
  /** Rendered, on their way to the coordinator. */
  framesUploading: z.number().int().nonnegative().optional(),
  chunk: z.number().int(),
  format: renderFormat,
  frameRange: z.string().max(MAX_FRAME_LIST_TEXT).overwrite(plainText),
  createdAt: z.string().max(40),
  finishedAt: z.string().max(40).optional(),
  error: errorText.optional(),
  outputDir: z.string().max(4096),
  byNode: z.record(z.string().max(200), z.number().int().nonnegative()),
  /** Node name → why it may no longer render this job. */
  blocklist: z.record(z.string().max(200), z.string().max(500)),
  missingFrames: z.array(frameNumber).max(1_000_000).optional(),
  /** Files the scene needs that were missing on the submitting machine (submitted with --allow-missing). */
  missingFiles: z.array(missingDependency).max(MAX_PROJECT_FILES).optional(),
  /** What Blender said while loading the scene on the nodes. */
  warnings: z.array(errorText).max(100).optional(),
  /** Frames that rendered while Blender warned (`microfarm log JOB` lists them). */
  framesWarned: z.number().int().nonnegative().optional(),
  /** Files and bytes the job's project carries, the .blend included. */
  projectFiles: z.number().int().nonnegative().optional(),
  projectBytes: z.number().int().nonnegative().optional(),
  /** Nodes fetching the job's content now, piece by piece: bytes verified of size, rate, from peers, peers they heard of. */
  fetching: z.array(z.object({
    node: shortText,
    bytes: z.number().int().nonnegative(),
    size: z.number().int().nonnegative(),
    bytesPerSecond: z.number().nonnegative(),
    fromPeers: z.number().int().nonnegative(),
    peers: z.number().int().nonnegative(),
  })).max(10_000).optional(),
  /** Major.minor of the Blender that saved the .blend. */
  blendVersion: blendVersion.optional(),
  submitterBlender: shortText.optional(),
  /** --blender-version as submitted. */
  blenderVersion: z.string().max(40).optional(),
  require: deviceRequirement.optional(),
  /** What the job needs of a node, for people ("Blender ≥ 4.2 on a GPU"). */
  needs: shortText.optional(),
  /** Why no node online may render it ("needs Blender ≥ 4.2: no node has it (…)"); absent when one may. */
  waitingFor: errorText.optional(),
  encode: z.object({
    settings: encodeSettings,
    state: z.string().max(32),
    progress: z.number().min(0).max(1).optional(),
    outputPath: z.string().max(4096).optional(),
    error: errorText.optional(),
  }).optional(),
  /** A tiled still: its frame and grid; framesTotal/framesDone/… then count its tiles. `stitch`: putting them together. */
  tiles: z.object({
    frame: frameNumber,
    columns: z.number().int().positive(),
    rows: z.number().int().positive(),
    overscan: z.number().int().nonnegative(),
    stitch: z.string().max(32),
    outputPath: z.string().max(4096).optional(),
    error: errorText.optional(),
  }).optional(),
})
export type JobSummary = z.infer<typeof jobSummary>

/** One node as `microfarm nodes` shows it (see coordinator/node-list.ts). */
export const nodeSummary = z.object({
  peerId: z.string().max(100),
  name: shortText,
  online: z.boolean(),
  /** rendering, idle, draining (finishing what it holds), drained, disabled, blocklisted (on every job with work), offline. */
  state: z.string().max(32),
  /** What an admin set, remembered across restarts: enabled, drained or disabled. */
  admin: z.enum(['enabled', 'drained', 'disabled']),
  /** What it holds now: job id and frames (`12-14`), or `scene` while it reads a scene's range. */
  work: z.array(z.object({ jobId, frames: z.string().max(MAX_FRAME_LIST_TEXT).overwrite(plainText) })).max(1000),
  /** The frame in Blender now; `estimated`: from the time it has taken against the job's average frame time (Blender's own counts are too coarse). */
  progress: z.object({ jobId, frame: frameNumber, fraction: z.number().min(0).max(1), estimated: z.boolean() }).optional(),
  device: shortText.optional(),
  blenderVersion: shortText.optional(),
  cores: z.number().int().nonnegative().optional(),
  /** Frames it rendered of the jobs the coordinator holds. */
  framesDone: z.number().int().nonnegative(),
  /** Average seconds a frame in this session. */
  secondsPerFrame: z.number().nonnegative().optional(),
  /** When it was last heard from (ISO time). */
  lastSeen: z.string().max(40),
  /** Job id → why the node may no longer render that job. */
  blocklisted: z.record(z.string().max(20), z.string().max(500)),
  /** When it renders, as the node says (polite nodes' --schedule); absent when always. */
  schedule: shortText.optional(),
})
export type NodeSummary = z.infer<typeof nodeSummary>

function adminReplyOf<Job extends z.ZodType> (job: Job) {
  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('jobs'), jobs: z.array(job) }),
    /** `earlier`: attempts kept but not sent (see MAX_LOG_ATTEMPTS_SHOWN). */
    z.object({ type: z.literal('frame-log'), jobId, frame: frameNumber, entries: z.array(frameLogEntry).max(MAX_LOG_ATTEMPTS_SHOWN), earlier: z.number().int().nonnegative() }),
    z.object({ type: z.literal('frame-log-index'), jobId, frames: z.array(frameLogSummary).max(MAX_LOG_INDEX_FRAMES) }),
    z.object({ type: z.literal('nodes'), nodes: z.array(nodeSummary).max(2000) }),
    z.object({ type: z.literal('done'), message: errorText, job: job.optional() }),
    z.object({ type: z.literal('error'), message: errorText }),
  ])
}

/** What a coordinator sends. */
export const adminReply = adminReplyOf(jobSummary)
export type AdminReply = z.infer<typeof adminReply>

/**
 * The same replies as a client reads them: each job is checked on its own
 * (src/client/job-list.ts), so one that misses its schema (an older
 * coordinator stored texts past the limits) does not hide the others.
 */
export const adminReplyAsRead = adminReplyOf(z.unknown())
export type AdminReplyAsRead = z.infer<typeof adminReplyAsRead>
