// Which node may render which job, by its Blender and its device. Pure: the
// scheduler asks it for every job a node could take, the job list and the
// dashboard ask it why a job waits.
//
// An older Blender misreads files saved by a newer one (new data is dropped,
// or the file does not load at all), so by default a node whose Blender is
// older than the one that saved the .blend never takes the job. A submit may
// narrow the versions further (`--blender-version 4.2`, `4.2-4.5`, `>=4.2`)
// and ask for GPU or CPU nodes only (`--require gpu|cpu`).

export class VersionRuleError extends Error {
  override name = 'VersionRuleError'
}

export interface BlenderVersion {
  major: number
  minor: number
  /** Absent: the whole series (4.2 = any 4.2.x). */
  patch?: number
}

/** What a job asks of the node that renders it. Every field optional: a job from before these rules asks nothing. */
export interface JobRequirements {
  /** Major.minor of the Blender that saved the .blend (its file header), e.g. "4.2". */
  blendVersion?: string
  /** The submit's --blender-version, as typed. */
  blenderVersion?: string
  /** The submit's --require. */
  require?: 'gpu' | 'cpu'
}

/** What a node says of itself in its hello. */
export interface NodeFacts {
  name: string
  /** As its Blender prints it, e.g. "3.4.1". */
  blenderVersion: string
  /** The Cycles device type it renders on ('CPU', 'CUDA', 'OPTIX', …); absent from older nodes: the CPU. */
  device?: string
}

const VERSION = /^(\d{1,2})\.(\d{1,2})(?:\.(\d{1,3}))?$/

/** "3.4.1", "4.2", "4.2.3 LTS" (the words after it are Blender's own): undefined when it is no version. */
export function parseVersion (text: string): BlenderVersion | undefined {
  const match = VERSION.exec(text.trim().split(/\s+/)[0] ?? '')
  if (match === null) return undefined
  const [, major, minor, patch] = match
  return { major: Number(major), minor: Number(minor), ...(patch !== undefined ? { patch: Number(patch) } : {}) }
}

export function formatVersion (v: BlenderVersion): string {
  return `${v.major}.${v.minor}${v.patch !== undefined ? `.${v.patch}` : ''}`
}

/** Inclusive bounds; an undefined bound is open. A bound without a patch is a series: max 4.5 takes 4.5.9. */
export interface VersionRange {
  min?: BlenderVersion
  max?: BlenderVersion
}

/** `4.2` (that series), `4.2-4.5`, `>=4.2`, `<=4.5` (also `4.2.1`); anything else is a VersionRuleError saying what is accepted. */
export function parseVersionRange (spec: string): VersionRange {
  const text = spec.trim()
  const bad = (): VersionRuleError => new VersionRuleError(`--blender-version "${spec}": expected a version like 4.2 (that series), a range 4.2-4.5, >=4.2 or <=4.5`)
  const one = (part: string): BlenderVersion => parseVersion(part) ?? ((): never => { throw bad() })()
  let range: VersionRange
  if (text.startsWith('>=')) range = { min: one(text.slice(2)) }
  else if (text.startsWith('<=')) range = { max: one(text.slice(2)) }
  else if (text.includes('-')) {
    const [low, high, ...rest] = text.split('-')
    if (rest.length > 0 || low === undefined || high === undefined) throw bad()
    range = { min: one(low), max: one(high) }
  } else {
    const v = one(text)
    range = { min: v, max: v }
  }
  if (range.min !== undefined && range.max !== undefined && compare(range.min, range.max, 'low') > 0) {
    throw new VersionRuleError(`--blender-version "${spec}": the range is empty (${formatVersion(range.min)} is after ${formatVersion(range.max)})`)
  }
  return range
}

/** Orders versions; a missing patch counts as the series' lowest ('low') or highest ('high') release. */
function compare (a: BlenderVersion, b: BlenderVersion, missingPatch: 'low' | 'high'): number {
  const fill = missingPatch === 'low' ? 0 : Number.MAX_SAFE_INTEGER
  return a.major - b.major || a.minor - b.minor || (a.patch ?? fill) - (b.patch ?? fill)
}

function inRange (v: BlenderVersion, range: VersionRange): boolean {
  if (range.min !== undefined && compare(v, range.min, 'low') < 0) return false
  if (range.max !== undefined && compare(v, range.max, 'high') > 0) return false
  return true
}

/** The versions a job may render with: its --blender-version, no older than the Blender that saved the file. */
export function allowedVersions (job: JobRequirements): VersionRange {
  const asked = job.blenderVersion !== undefined ? parseVersionRange(job.blenderVersion) : {}
  const saved = job.blendVersion !== undefined ? parseVersion(job.blendVersion) : undefined
  if (saved === undefined) return asked
  const savedSeries = { major: saved.major, minor: saved.minor }
  const min = asked.min === undefined || compare(asked.min, savedSeries, 'low') < 0 ? savedSeries : asked.min
  return { ...asked, min }
}

/** Thrown at submit: a job that no Blender could ever render is refused, not queued for ever. */
export function checkRequirements (job: JobRequirements): void {
  const range = allowedVersions(job)
  if (range.min !== undefined && range.max !== undefined && compare(range.min, range.max, 'low') > 0) {
    throw new VersionRuleError(`--blender-version ${job.blenderVersion ?? ''} allows no Blender that can read this file: it was saved by Blender ${job.blendVersion ?? '?'}, and older versions misread newer files`)
  }
}

/** "Blender ≥ 4.2", "Blender 4.2–4.5", "Blender 4.2", "a GPU node", joined: what the job needs, for people; undefined when nothing. */
export function describeRequirements (job: JobRequirements): string | undefined {
  const parts: string[] = []
  const range = allowedVersions(job)
  const { min, max } = range
  if (min !== undefined && max !== undefined) {
    parts.push(compare(min, max, 'low') === 0 && min.patch === max.patch ? `Blender ${formatVersion(min)}` : `Blender ${formatVersion(min)}–${formatVersion(max)}`)
  } else if (min !== undefined) {
    parts.push(`Blender ≥ ${formatVersion(min)}`)
  } else if (max !== undefined) {
    parts.push(`Blender ≤ ${formatVersion(max)}`)
  }
  if (job.require !== undefined) parts.push(job.require === 'gpu' ? 'a GPU' : 'the CPU')
  return parts.length > 0 ? parts.join(' on ') : undefined
}

export function isGpuNode (node: Pick<NodeFacts, 'device'>): boolean {
  return node.device !== undefined && node.device !== 'CPU'
}

/** Why this node may not render the job, or undefined when it may. */
export function refusal (job: JobRequirements, node: NodeFacts): string | undefined {
  if (job.blendVersion === undefined && job.blenderVersion === undefined && job.require === undefined) return undefined
  const range = allowedVersions(job)
  if (range.min !== undefined || range.max !== undefined) {
    const version = parseVersion(node.blenderVersion)
    if (version === undefined) return `its Blender version "${node.blenderVersion}" is not one MicroFarm can compare`
    if (!inRange(version, range)) return `it has Blender ${node.blenderVersion}`
  }
  if (job.require === 'gpu' && !isGpuNode(node)) return 'it renders on the CPU'
  if (job.require === 'cpu' && isGpuNode(node)) return `it renders on ${node.device ?? 'a GPU'}`
  return undefined
}

/**
 * Why no node online may render the job ("needs Blender ≥ 4.2: no node has
 * it (node-1 has 3.4.1)"), or undefined when one may, or the job asks nothing.
 */
export function whyNobodyMayRender (job: JobRequirements, nodes: readonly NodeFacts[]): string | undefined {
  const needs = describeRequirements(job)
  if (needs === undefined) return undefined
  const refused = nodes.map(node => ({ node, why: refusal(job, node) }))
  if (refused.some(r => r.why === undefined)) return undefined
  if (refused.length === 0) return `needs ${needs}: no node online`
  const shown = refused.slice(0, 3).map(r => `${r.node.name}: ${r.why ?? ''}`).join('; ')
  return `needs ${needs}: no node has it (${shown}${refused.length > 3 ? `; ${refused.length - 3} more` : ''})`
}
