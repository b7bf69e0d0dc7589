import writeFileAtomic from 'write-file-atomic'
import { z } from 'zod'
import { MAX_SHORT_TEXT } from '../protocol/constants.js'
import { readTextIfExists } from './read-if-exists.js'

// Which peer id owns which node name (coordinator/node-names.ts), kept in the
// output folder's .microfarm/node-names.json so names stay with their
// machines across coordinator restarts. Validated on load like any input.

const nodeNamesFile = z.object({
  version: z.literal(1),
  names: z.record(z.string().min(1).max(MAX_SHORT_TEXT), z.object({ peerId: z.string().min(1).max(100), lastSeen: z.number().finite() })),
})

export type NodeNameEntry = [string, { peerId: string, lastSeen: number }]

export class NodeNamesFileError extends Error {
  override name = 'NodeNamesFileError'
}

/** The remembered names; none when the file does not exist yet. */
export async function readNodeNames (path: string): Promise<NodeNameEntry[]> {
  const text = await readTextIfExists(path)
  if (text === undefined) return []
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new NodeNamesFileError(`${path} is not valid JSON; it is written anew from the nodes that join`, { cause: err })
  }
  const parsed = nodeNamesFile.safeParse(value)
  if (!parsed.success) throw new NodeNamesFileError(`${path} is not a list of node names (${parsed.error.issues[0]?.message ?? 'invalid'}); it is written anew from the nodes that join`)
  return Object.entries(parsed.data.names)
}

export async function writeNodeNames (path: string, entries: readonly NodeNameEntry[]): Promise<void> {
  await writeFileAtomic(path, JSON.stringify({ version: 1, names: Object.fromEntries(entries) }, null, 2) + '\n', { fsync: true })
}
