import { resolve } from 'node:path'
import { DEFAULT_WORK_DIR } from '../defaults.js'
import { findBlender } from '../../blender/find-blender.js'
import { removeStaleBlenderTemps } from '../../blender/run-blender.js'
import { parseCoordinatorAddress } from '../../net/dial.js'
import { RenderNode } from '../../node/render-node.js'
import { logLine } from '../log.js'
import { untilSignal } from '../signals.js'
import { errorMessage } from '../../util/error-message.js'
import { readFarmKey } from '../../net/farm-key.js'

export interface NodeFlags {
  name?: string
  blender?: string
  coordinator?: string
  farm?: string
  workDir?: string
  cacheSize: number
  frameTimeout: number
  key?: string
  port?: number
}


export async function runNode (flags: NodeFlags): Promise<number> {
  const coordinator = flags.coordinator !== undefined ? parseCoordinatorAddress(flags.coordinator) : undefined
  const blender = findBlender(flags.blender !== undefined ? { explicitPath: flags.blender } : {})
  // Awaited below, after the node has started looking for its coordinator; a
  // failure must not count as unhandled before then.
  blender.catch(() => undefined)
  const farmKey = flags.key !== undefined ? await readFarmKey(flags.key) : undefined
  const node = new RenderNode({
    ...(farmKey !== undefined ? { farmKey } : {}),
    blender,
    workDir: resolve(flags.workDir ?? DEFAULT_WORK_DIR),
    cacheBytes: flags.cacheSize,
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    stallTimeoutMs: flags.frameTimeout * 1000,
    log: logLine,
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(coordinator !== undefined ? { coordinator } : {}),
    ...(flags.farm !== undefined ? { farm: flags.farm } : {}),
  })
  await node.start()
  // Left by Blenders of a node that was killed: cleaned up without holding up the start.
  removeStaleBlenderTemps().then((count) => {
    if (count > 0) logLine(`removed ${count} temporary folder(s) that Blender left when an earlier node was killed`)
  }, (err: unknown) => { logLine(`could not remove Blender's old temporary folders: ${errorMessage(err)}`) })
  try {
    const found = await blender
    logLine(`Blender ${found.version} at ${found.path}`)
    const signal = await Promise.race([untilSignal(), node.done().then(() => undefined)])
    if (signal !== undefined) logLine(`${signal}: stopping`)
  } finally {
    await node.stop()
  }
  return 0
}
