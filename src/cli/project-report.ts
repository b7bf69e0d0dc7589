import type { LocalProject } from '../project/local-project.js'
import type { MissingDependency } from '../protocol/project.js'

/** One line per missing file: what names it, as the .blend names it, and where it was looked for. */
export function describeMissing (missing: readonly MissingDependency[]): string[] {
  if (missing.length === 0) return []
  return [
    `${missing.length} file(s) the scene needs are missing:`,
    ...missing.map(m => `  ${m.owner}: ${m.stored}${m.resolved !== m.stored ? ` (looked for ${m.resolved})` : ''}`),
  ]
}

/** The project's files for --dry-run: place in the job's tree, size, and where it is on this machine. */
export function describeProjectFiles (project: LocalProject): Array<{ path: string, size: number, sha256: string, source: string }> {
  return project.manifest.files.map((file, i) => ({ ...file, source: project.sources[i] ?? '' }))
}
