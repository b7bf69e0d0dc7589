import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import path from 'node:path'

/** The first executable file called `name` on PATH (with PATHEXT's extensions on Windows), as a shell finds it. */
export async function findOnPath (name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = (env['PATH'] ?? env['Path'] ?? '').split(path.delimiter).filter((d) => d !== '')
  const exts = process.platform === 'win32' ? (env['PATHEXT'] ?? '.EXE;.CMD;.BAT').split(';') : ['']
  for (const dir of dirs) {
    for (const ext of exts) {
      const file = path.join(dir, name + ext)
      if (await isExecutableFile(file)) return file
    }
  }
  return undefined
}

async function isExecutableFile (file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK)
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}
