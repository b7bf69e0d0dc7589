import { z } from 'zod'
import { createHash } from 'node:crypto'
import { decodeMessage } from './framing.js'
import { ProtocolError } from './errors.js'
import { MAX_CONTENT_BYTES, MAX_MANIFEST_BYTES, MAX_PROJECT_BYTES, MAX_PROJECT_FILES } from './constants.js'

// A job's project: the main .blend and every file it needs, each by content
// hash, at a path relative to the project root. The manifest travels as
// content itself (hash-addressed, like the files it lists), so a task only
// names its hash. Nothing here is ever a path on the receiving machine as it
// stands: a node joins these relative paths under a folder of its own, after
// checking them again (see `checkTreePath`).

/** A content hash as every message and manifest writes it. */
export const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256')
const MAX_TREE_PATH = 1024
const MAX_SEGMENT = 255
// DOS device names are special in every folder on Windows, whatever the extension.
const DEVICE_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i

/** Why `path` may not be a path inside a job's tree, or undefined when it may. */
export function treePathProblem (path: string): string | undefined {
  if (path.length === 0) return 'an empty path'
  if (path.length > MAX_TREE_PATH) return `a path longer than ${MAX_TREE_PATH} characters`
  if (path.includes('\0')) return 'a NUL character'
  if (path.includes('\\')) return 'a backslash (tree paths use /)'
  if (path.startsWith('/')) return 'an absolute path'
  if (/^[a-zA-Z]:/.test(path) || path.includes(':')) return 'a drive letter or colon'
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') return 'an empty or "." path segment'
    if (segment === '..') return 'a ".." segment (it would climb out of the job\'s folder)'
    if (segment.length > MAX_SEGMENT) return `a name longer than ${MAX_SEGMENT} characters`
    if (DEVICE_NAME.test(segment)) return `a device name (${segment})`
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f]/.test(segment)) return 'a control character'
  }
  return undefined
}

export const treePath = z.string().superRefine((path, ctx) => {
  const problem = treePathProblem(path)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not a safe relative path (${problem}): ${JSON.stringify(path.slice(0, 200))}` })
})

export const projectFile = z.object({
  /** Where the file lies in the project tree, relative to the project root. */
  path: treePath,
  size: z.number().int().nonnegative().max(MAX_CONTENT_BYTES),
  sha256,
})
export type ProjectFile = z.infer<typeof projectFile>
/** An absolute path in the scene and where its content lies in the job's tree. */
export const remapEntry = z.object({ from: z.string().min(1).max(4096), to: treePath })
export type RemapEntry = z.infer<typeof remapEntry>

export const missingDependency = z.object({
  kind: z.string().max(40),
  owner: z.string().max(1000),
  /** As the .blend names it. */
  stored: z.string().max(4096),
  /** Where the submitting machine looked for it. */
  resolved: z.string().max(4096),
})
export type MissingDependency = z.infer<typeof missingDependency>

export const projectManifest = z.object({
  version: z.literal(1),
  /** The main .blend's path in the tree; one of `files`. */
  main: treePath,
  files: z.array(projectFile).min(1).max(MAX_PROJECT_FILES),
  /**
   * Absolute paths in the scene (`/home/ann/hdri.exr`, `C:\Assets\wood.png`)
   * and where their content lies in the tree: the node's Blender rewrites them
   * before rendering. `from` is only ever compared with what the .blend holds.
   */
  remap: z.array(remapEntry).max(MAX_PROJECT_FILES),
  /** Files the submitter knew were missing and submitted anyway (--allow-missing). */
  missing: z.array(missingDependency).max(MAX_PROJECT_FILES),
}).superRefine((manifest, ctx) => {
  const problem = projectProblem(manifest.main, manifest.files)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})
export type ProjectManifest = z.infer<typeof projectManifest>

/** A job names its project by the hash and size of its manifest. */
export const projectRef = z.object({ sha256, size: z.number().int().positive().max(MAX_MANIFEST_BYTES) })
export type ProjectRef = z.infer<typeof projectRef>

/** Any stored content (a file of a project, a manifest): its hash and size. */
export type ContentRef = Pick<ProjectFile, 'sha256' | 'size'>

/** The tree must be buildable: unique paths, no file where another needs a folder, the main file present, the total within limits. */
function projectProblem (main: string, files: ReadonlyArray<{ path: string, size: number }>): string | undefined {
  const paths = new Set<string>()
  let bytes = 0
  for (const file of files) {
    if (paths.has(file.path)) return `the project lists ${file.path} twice`
    paths.add(file.path)
    bytes += file.size
  }
  if (bytes > MAX_PROJECT_BYTES) return `the project's files add up to ${bytes} bytes, more than the ${MAX_PROJECT_BYTES} allowed`
  for (const file of files) {
    const segments = file.path.split('/')
    for (let i = 1; i < segments.length; i++) {
      const folder = segments.slice(0, i).join('/')
      if (paths.has(folder)) return `${folder} is both a file and a folder in the project`
    }
  }
  if (!paths.has(main)) return `the main .blend ${main} is not among the project's files`
  return undefined
}

/**
 * Every receiver of a manifest (coordinator, node) reads it through here: the
 * bytes must hash to the reference that named them, and match the schema.
 */
export function parseProjectManifest (bytes: Uint8Array, sha256: string): ProjectManifest {
  const digest = createHash('sha256').update(bytes).digest('hex')
  if (digest !== sha256) throw new ProtocolError(`project manifest ${sha256.slice(0, 12)}… has other content (${digest.slice(0, 12)}…)`)
  try {
    return decodeMessage(projectManifest, bytes)
  } catch (err) {
    throw new ProtocolError(`rejected the job's project manifest: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}
