import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ADDON_MODULE, ADDON_SOURCE, isAddonFile, userAddonsFolder } from '../../addon/addon-files.js'
import { zipArchive } from '../../addon/zip.js'
import type { ZipEntry } from '../../addon/zip.js'
import { findBlender } from '../../blender/find-blender.js'
import { ifExists } from '../../util/if-exists.js'

export interface AddonFlags {
  install: boolean
  zip?: string
  /** The Blender whose version names the add-ons folder (default: as submit finds one). */
  blender?: string
}

const ENABLE_HINT = 'enable it in Blender: Edit > Preferences > Add-ons, search "MicroFarm", tick it; the panel is in Properties > Output'

/** `microfarm addon [--install] [--zip FILE]`: the Blender add-on, installed for this user or as an installable zip. */
export async function runAddon (flags: AddonFlags): Promise<number> {
  if (!flags.install && flags.zip === undefined) {
    console.log([
      `the MicroFarm add-on for Blender 3.3 and newer is in ${ADDON_SOURCE}`,
      '  microfarm addon --install      copy it into your Blender\'s add-ons folder',
      '  microfarm addon --zip FILE     write a zip to install from Blender (Add-ons > Install; 4.2+: Install from Disk)',
    ].join('\n'))
    return 0
  }
  const files = await addonFiles()
  if (flags.zip !== undefined) {
    const target = path.resolve(flags.zip)
    await mkdir(path.dirname(target), { recursive: true })
    await writeFile(target, zipArchive(files))
    console.log(`wrote ${target}: in Blender, Edit > Preferences > Add-ons > Install (Blender 4.2+: the menu's Install from Disk), pick it, then tick MicroFarm`)
  }
  if (flags.install) {
    const folder = await addonsFolder(flags.blender)
    await installInto(folder, files)
    console.log(`installed the add-on into ${path.join(folder, ADDON_MODULE)}; ${ENABLE_HINT} (a Blender already open: restart it first)`)
  }
  return 0
}

/** The add-on as zip entries under `microfarm/`: one folder, read as a legacy add-on (bl_info) and as an extension (its manifest). */
async function addonFiles (): Promise<ZipEntry[]> {
  const names = (await readdir(ADDON_SOURCE)).filter(isAddonFile).sort()
  return Promise.all(names.map(async (name) => {
    const file = path.join(ADDON_SOURCE, name)
    const [data, info] = await Promise.all([readFile(file), stat(file)])
    return { name: `${ADDON_MODULE}/${name}`, data, mtime: info.mtime }
  }))
}

async function addonsFolder (blender: string | undefined): Promise<string> {
  const place = { env: process.env, platform: process.platform, homeDir: os.homedir() }
  // With BLENDER_USER_SCRIPTS set, Blender's version does not matter: no need to start one.
  if (process.env['BLENDER_USER_SCRIPTS'] !== undefined && process.env['BLENDER_USER_SCRIPTS'] !== '') return userAddonsFolder(place)
  const install = await findBlender(blender !== undefined ? { explicitPath: blender } : {})
  return userAddonsFolder({ ...place, blenderVersion: install.version })
}

/** Written beside the old copy, then swapped in: Blender never sees half an add-on. */
async function installInto (folder: string, files: readonly ZipEntry[]): Promise<void> {
  const target = path.join(folder, ADDON_MODULE)
  const fresh = `${target}.installing-${process.pid}`
  const old = `${target}.old-${process.pid}`
  await rm(fresh, { recursive: true, force: true })
  await mkdir(fresh, { recursive: true })
  for (const file of files) await writeFile(path.join(fresh, path.basename(file.name)), file.data)
  // No old copy: the first install.
  await ifExists(rename(target, old))
  await rename(fresh, target)
  await rm(old, { recursive: true, force: true })
}
