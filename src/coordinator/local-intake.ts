import { copyFile, writeFile } from 'node:fs/promises'
import { sha256File } from '../net/payload.js'
import type { LocalProject } from '../project/local-project.js'
import type { ContentStore } from '../store/content-store.js'

export class LocalIntakeError extends Error {
  override name = 'LocalIntakeError'
}

/**
 * A project on the coordinator's own machine (the terminal UI's new job) goes
 * into the content store like one sent over the network: each file copied
 * under a temporary name, checked against its hash, then renamed. Returns the
 * pin that keeps it from being collected until the job exists.
 */
export async function storeLocalProject (content: ContentStore, project: LocalProject): Promise<() => void> {
  const release = content.pin([project.ref.sha256, ...project.manifest.files.map(f => f.sha256)])
  try {
    await content.put(project.ref, 'the list of this job\'s files', async (tempPath) => { await writeFile(tempPath, project.manifestBytes) })
    for (const [index, file] of project.manifest.files.entries()) {
      const source = project.sources[index] as string
      await content.put(file, file.path, async (tempPath) => {
        await copyFile(source, tempPath)
        // The hash was taken before the copy: a file saved again meanwhile would not match it.
        if (await sha256File(tempPath) !== file.sha256) throw new LocalIntakeError(`${source} changed while it was copied; try again`)
      })
    }
  } catch (err) {
    release()
    throw err
  }
  return release
}
