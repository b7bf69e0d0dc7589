import writeFileAtomic from 'write-file-atomic'
import { z } from 'zod'
import { MAX_NODE_STATES } from '../coordinator/node-states.js'
import type { NodeStateEntry } from '../coordinator/node-states.js'
import { readTextIfExists } from './read-if-exists.js'

// Which nodes an admin drained or disabled (coordinator/node-states.ts), by
// peer id, in the output folder's .microfarm/node-states.json beside
// node-names.json. Validated on load like any input.

const nodeStatesFile = z.object({
  version: z.literal(1),
  nodes: z.record(z.string().min(1).max(100), z.object({ state: z.enum(['drained', 'disabled']), since: z.number().finite() })),
})

export class NodeStatesFileError extends Error {
  override name = 'NodeStatesFileError'
}

/** The remembered states; none when the file does not exist yet. */
export async function readNodeStates (path: string): Promise<Array<[string, NodeStateEntry]>> {
  const text = await readTextIfExists(path)
  if (text === undefined) return []
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new NodeStatesFileError(`${path} is not valid JSON: every node is enabled until it is fixed or removed (drain or disable writes it anew)`, { cause: err })
  }
  const parsed = nodeStatesFile.safeParse(value)
  if (!parsed.success) throw new NodeStatesFileError(`${path} is not a list of node states (${parsed.error.issues[0]?.message ?? 'invalid'}): every node is enabled until it is fixed or removed`)
  return Object.entries(parsed.data.nodes).slice(0, MAX_NODE_STATES)
}

export async function writeNodeStates (path: string, entries: ReadonlyArray<readonly [string, NodeStateEntry]>): Promise<void> {
  await writeFileAtomic(path, JSON.stringify({ version: 1, nodes: Object.fromEntries(entries) }, null, 2) + '\n', { fsync: true })
}
