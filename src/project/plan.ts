import path from 'node:path'
import type { PlatformPath } from 'node:path'
import type { DependencyReference } from '../blender/dependencies.js'
import type { MissingDependency, RemapEntry } from '../protocol/project.js'
import { treePathProblem } from '../protocol/project.js'

// Where each file of a scene goes in the job's tree. Pure: it takes what the
// trace found and decides, without touching the disk.
//
// The project root is the deepest folder that holds the main .blend and every
// file reached through relative paths (`//textures/x.png`, `//../libs/a.blend`),
// so each relative path resolves in the tree as it did on the artist's machine.
// Files named by absolute paths go under `_external/`, mirroring their path
// (`/home/ann/hdri.exr` → `_external/home/ann/hdri.exr`, `C:\a\b.png` →
// `_external/C/a/b.png`): a library placed there still finds its own relative
// files, and the node's Blender is told to rewrite the absolute path itself.

export const EXTERNAL_FOLDER = '_external'

export interface PlannedFile {
  /** Where it is on this machine. */
  source: string
  /** Where it goes in the job's tree. */
  path: string
}

export interface ProjectPlan {
  root: string
  main: string
  files: PlannedFile[]
  remap: RemapEntry[]
  missing: MissingDependency[]
}

export class ProjectPlanError extends Error {
  override name = 'ProjectPlanError'
}

export function planProject (mainBlend: string, references: readonly DependencyReference[], p: PlatformPath = path): ProjectPlan {
  const relative = referencesReachedRelatively(references, p)
  const inProject = [p.dirname(mainBlend), ...relative.flatMap(ref => [...ref.files, ...ref.missing].map(file => p.dirname(file)))]
  const root = commonFolder(inProject, p)
  const place = (file: string): string => treePathFor(file, root, p)

  const files = new Map<string, PlannedFile>()
  const add = (source: string): void => {
    if (files.has(source)) return
    const planned = { source, path: place(source) }
    const problem = treePathProblem(planned.path)
    if (problem !== undefined) throw new ProjectPlanError(`${source} cannot travel with the job: its place in the project, ${planned.path}, has ${problem}`)
    files.set(source, planned)
  }
  add(mainBlend)
  for (const ref of references) ref.files.forEach(add)

  const remap = new Map<string, string>()
  for (const ref of references) {
    if (!isAbsolute(ref.stored) || ref.files.length === 0) continue
    remap.set(ref.stored, place(ref.resolved))
  }
  const missing = references.flatMap(ref => ref.missing.map(resolved => ({ kind: ref.kind, owner: ref.owner, stored: ref.stored, resolved })))
  return { root, main: place(mainBlend), files: [...files.values()], remap: [...remap].map(([from, to]) => ({ from, to })), missing }
}

function isRelative (stored: string): boolean {
  return stored.startsWith('//')
}

/** Absolute on any system: `/x`, `C:\x`, `C:/x`, `\\server\share`. (Point caches in `blendcache_…` store no path at all.) */
function isAbsolute (stored: string): boolean {
  return !isRelative(stored) && /^(\/|[a-zA-Z]:[\\/]|\\\\)/.test(stored)
}

/**
 * References whose path is relative and whose holder is reached relatively
 * too (the main file, or a library named by a relative path from one): these
 * decide the project root. A relative path inside an absolutely placed
 * library is relative to wherever that library lands, under `_external/`.
 */
function referencesReachedRelatively (references: readonly DependencyReference[], p: PlatformPath): DependencyReference[] {
  const relativeLibraries = new Set<string>()
  let grew = true
  while (grew) {
    grew = false
    for (const ref of references) {
      if (ref.kind !== 'library' || !isRelative(ref.stored)) continue
      if (ref.library !== null && !relativeLibraries.has(p.normalize(ref.library))) continue
      const key = p.normalize(ref.resolved)
      if (!relativeLibraries.has(key)) {
        relativeLibraries.add(key)
        grew = true
      }
    }
  }
  return references.filter(ref => isRelative(ref.stored) && (ref.library === null || relativeLibraries.has(p.normalize(ref.library))))
}

/** The deepest folder holding every folder given. Folders on different drives have none: then the main .blend's folder is used. */
export function commonFolder (folders: readonly string[], p: PlatformPath = path): string {
  const [first, ...rest] = folders.map(folder => p.resolve(folder))
  if (first === undefined) throw new ProjectPlanError('no folders to find a common root of')
  let common = first
  for (const folder of rest) {
    while (!isInside(folder, common, p)) {
      const parent = p.dirname(common)
      if (parent === common) return first
      common = parent
    }
  }
  return common
}

function isInside (file: string, folder: string, p: PlatformPath): boolean {
  const rel = p.relative(folder, file)
  return rel === '' || (!rel.startsWith('..') && !p.isAbsolute(rel))
}

/** A file's place in the tree: relative to the root when inside it, else mirrored under `_external/`. */
export function treePathFor (file: string, root: string, p: PlatformPath = path): string {
  const absolute = p.resolve(file)
  if (isInside(absolute, root, p) && absolute !== root) return p.relative(root, absolute).split(p.sep).join('/')
  return [EXTERNAL_FOLDER, ...mirrorSegments(absolute, p)].join('/')
}

/** `/home/ann/x` → home, ann, x; `C:\a\x` → C, a, x; `\\server\share\x` → UNC, server, share, x. */
function mirrorSegments (absolute: string, p: PlatformPath): string[] {
  const { root } = p.parse(absolute)
  const rest = absolute.slice(root.length).split(/[\\/]+/).filter(s => s !== '')
  const drive = /^([a-zA-Z]):/.exec(root)
  if (drive !== null) return [drive[1] as string, ...rest]
  const unc = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)/.exec(root)
  if (unc !== null) return ['UNC', unc[1] as string, unc[2] as string, ...rest]
  return rest
}
