import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The add-on's folder in the package (`addon/microfarm`, shipped in package.json "files"). */
export const ADDON_SOURCE = fileURLToPath(new URL('../../addon/microfarm', import.meta.url))
/** Its module name: the folder Blender loads it from, and `--addons microfarm`. */
export const ADDON_MODULE = 'microfarm'

/** The add-on's own files: its Python modules and the extension manifest, nothing Python left behind. */
export function isAddonFile (name: string): boolean {
  return name.endsWith('.py') || name === 'blender_manifest.toml'
}

export interface UserScriptsPlace {
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  homeDir: string
  /** As Blender prints it ("3.4.1"); only major.minor names the folder. */
  blenderVersion?: string
}

export class AddonFolderError extends Error {
  override name = 'AddonFolderError'
}

/**
 * The user's add-ons folder as Blender itself finds it
 * (`bpy.utils.user_resource('SCRIPTS', path='addons')`): BLENDER_USER_SCRIPTS,
 * else the per-version folder of the user's configuration.
 */
export function userAddonsFolder ({ env, platform, homeDir, blenderVersion }: UserScriptsPlace): string {
  const scripts = env['BLENDER_USER_SCRIPTS']
  const api = platform === 'win32' ? path.win32 : path.posix
  if (scripts !== undefined && scripts !== '') return api.join(scripts, 'addons')
  const series = /^(\d+)\.(\d+)/.exec(blenderVersion ?? '')
  if (series === null) throw new AddonFolderError(`cannot tell which Blender to install the add-on for${blenderVersion !== undefined ? ` (version "${blenderVersion}")` : ''}: pass --blender PATH, or set BLENDER_USER_SCRIPTS`)
  const version = `${series[1]}.${series[2]}`
  if (platform === 'win32') {
    const appData = env['APPDATA'] ?? api.join(homeDir, 'AppData', 'Roaming')
    return api.join(appData, 'Blender Foundation', 'Blender', version, 'scripts', 'addons')
  }
  if (platform === 'darwin') return api.join(homeDir, 'Library', 'Application Support', 'Blender', version, 'scripts', 'addons')
  const config = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : api.join(homeDir, '.config')
  return api.join(config, 'blender', version, 'scripts', 'addons')
}
