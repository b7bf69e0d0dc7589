import { farmJson } from '../../discovery/farm-list.js'
import type { FarmSource, ListedFarm } from '../../discovery/farm-list.js'
import { listFarms } from '../../discovery/list-farms.js'
import { NOT_FOUND_HELP } from '../../discovery/locate.js'
import { shortId } from '../../tui/format.js'
import { formatTable } from '../table.js'

// microfarm farms: the farms this machine can reach, for people and, with
// --json, for the Blender add-on's farm menu (README: `microfarm farms`).

export interface FarmsFlags {
  json: boolean
  timeoutMs: number
}

export async function runFarms (flags: FarmsFlags): Promise<number> {
  const farms = await listFarms({ browseMs: flags.timeoutMs, onNote: (line) => { console.error(`microfarm: ${line}`) } })
  if (flags.json) console.log(JSON.stringify(farms.map(farmJson), null, 2))
  else console.log(formatFarms(farms, flags.timeoutMs))
  // An empty list is an answer too (nothing to reach), not a failure of the command.
  return 0
}

const FOUND: Record<FarmSource, string> = { local: 'this machine', mdns: 'mDNS', known: 'used last' }

/** One line a farm under a header; with none, what was looked at and what to check. */
export function formatFarms (farms: readonly ListedFarm[], browseMs: number): string {
  if (farms.length === 0) {
    return `no farms found: none known on this machine, none answered on mDNS within ${formatSeconds(browseMs)}. ${NOT_FOUND_HELP}`
  }
  const rows = farms.map(farm => [
    farm.name ?? '(unnamed)',
    farm.private ? 'private' : 'open',
    shortId(farm.peerId),
    addressText(farm.addresses),
    farm.sources.map(s => FOUND[s]).join(', '),
  ])
  return formatTable(['FARM', 'ACCESS', 'PEER', 'ADDRESS', 'FOUND'], rows)
}

/** The first address without its peer id (the PEER column has it), and how many more there are. */
function addressText (addresses: readonly string[]): string {
  const [first, ...more] = addresses
  if (first === undefined) return '-'
  return first.replace(/\/p2p\/[^/]+$/, '') + (more.length > 0 ? ` (+${more.length})` : '')
}

function formatSeconds (ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`
}
