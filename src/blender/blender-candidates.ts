import path from 'node:path'

/** Where a candidate came from: named in error messages so users know what we tried. */
export type CandidateSource = 'PATH' | 'install location'

/** A file to try, or a directory whose entries starting with `prefix` may hold `file`. */
export type Candidate =
  | { kind: 'file'; path: string; source: CandidateSource }
  | { kind: 'glob'; dir: string; prefix: string; file: string; source: CandidateSource }

export interface CandidateInput {
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  homeDir: string
}

/** Everywhere Blender is looked for when neither --blender nor BLENDER names it, best first. */
export function blenderCandidates (input: CandidateInput): Candidate[] {
  return [...pathCandidates(input), ...installCandidates(input)]
}

export function executableName (platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'blender.exe' : 'blender'
}

export function pathApi (platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix
}

/** PATH entries, read the way the given platform's shell would. */
export function searchPath (env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  // Windows keeps the name as `Path`; a plain env object does not fold case like process.env.
  const key = platform === 'win32'
    ? Object.keys(env).find((name) => name.toUpperCase() === 'PATH')
    : 'PATH'
  const value = key != null ? env[key] : undefined
  const delimiter = platform === 'win32' ? ';' : ':'
  return (value ?? '').split(delimiter).map(unquote).filter((dir) => dir !== '')
}

function pathCandidates ({ env, platform }: CandidateInput): Candidate[] {
  const join = pathApi(platform).join
  const name = executableName(platform)
  return searchPath(env, platform).map((dir) => ({ kind: 'file', path: join(dir, name), source: 'PATH' }))
}

function installCandidates ({ env, platform, homeDir }: CandidateInput): Candidate[] {
  const source = 'install location'
  if (platform === 'darwin') {
    const app = 'Blender.app/Contents/MacOS/Blender'
    return [
      { kind: 'file', path: `/Applications/${app}`, source },
      { kind: 'file', path: path.posix.join(homeDir, 'Applications', app), source },
    ]
  }
  if (platform === 'win32') {
    const roots = [env.ProgramFiles ?? 'C:\\Program Files', env['ProgramFiles(x86)']]
      .filter((root): root is string => root != null)
    return [...new Set(roots)].map((root) => ({
      kind: 'glob', dir: path.win32.join(root, 'Blender Foundation'), prefix: 'Blender ', file: 'blender.exe', source,
    }))
  }
  return [
    { kind: 'file', path: '/usr/bin/blender', source },
    { kind: 'file', path: '/usr/local/bin/blender', source },
    { kind: 'file', path: '/snap/bin/blender', source },
    { kind: 'glob', dir: '/opt', prefix: 'blender', file: 'blender', source },
    { kind: 'glob', dir: homeDir, prefix: 'blender', file: 'blender', source },
  ]
}

/** Directory entries matching a glob candidate, newest-looking version first. */
export function expandGlob (candidate: Extract<Candidate, { kind: 'glob' }>, entries: readonly string[], platform: NodeJS.Platform): string[] {
  const join = pathApi(platform).join
  const matches = entries.filter((entry) => platform === 'win32'
    ? entry.toLowerCase().startsWith(candidate.prefix.toLowerCase())
    : entry.startsWith(candidate.prefix))
  // "blender-4.10" must beat "blender-4.9": compare numbers as numbers.
  matches.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
  return matches.map((entry) => join(candidate.dir, entry, candidate.file))
}

function unquote (dir: string): string {
  return dir.length >= 2 && dir.startsWith('"') && dir.endsWith('"') ? dir.slice(1, -1) : dir
}
