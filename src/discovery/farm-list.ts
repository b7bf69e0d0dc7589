// What `microfarm farms` lists: every coordinator this machine can reach, from
// the records it keeps (known-farms.ts) and from one mDNS browse, one entry a
// peer id. Pure: reading the records and browsing are list-farms.ts.
import type { FoundCoordinator } from './browse.js'
import type { LocalCoordinatorRecord, RememberedFarm } from './known-farms.js'
import { loopbackFirst } from './known-farms.js'

/** Where a farm was seen: answering on mDNS just now, running on this machine, or the one this user's CLI reached last. */
export type FarmSource = 'mdns' | 'local' | 'known'

export interface ListedFarm {
  /** Unknown only for a farm used last that was reached with --coordinator alone and seen nowhere else. */
  name?: string
  peerId: string
  /** Dialable, ending in /p2p/<peerId>; loopback first. */
  addresses: string[]
  private: boolean
  /** Every place it was seen, most telling first (the order of SOURCE_ORDER). */
  sources: FarmSource[]
}

/**
 * A coordinator on this machine says most (it is here, its record is today's),
 * an mDNS answer says it is up now, the farm used last only that it was once.
 * Names and the private flag come from the first of these that has them.
 */
const SOURCE_ORDER: readonly FarmSource[] = ['local', 'mdns', 'known']

interface Sighting { source: FarmSource, name?: string, peerId: string, addresses: readonly string[], private: boolean }

export function mergeFarms (seen: { local: readonly LocalCoordinatorRecord[], remembered?: RememberedFarm, found: readonly FoundCoordinator[] }): ListedFarm[] {
  const sightings: Sighting[] = [
    ...seen.local.map(l => ({ source: 'local' as const, name: l.farm, peerId: l.peerId, addresses: l.addresses, private: l.private })),
    ...seen.found.map(f => ({ source: 'mdns' as const, name: f.farm, peerId: f.peerId, addresses: f.multiaddrs, private: f.private })),
    ...(seen.remembered !== undefined ? [{ source: 'known' as const, ...seen.remembered }] : []),
  ]
  const byPeer = new Map<string, Sighting[]>()
  for (const s of sightings) byPeer.set(s.peerId, [...(byPeer.get(s.peerId) ?? []), s])
  const farms = [...byPeer.entries()].map(([peerId, all]) => merged(peerId, all.sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source))))
  return farms.sort(byName)
}

function merged (peerId: string, ordered: readonly Sighting[]): ListedFarm {
  const name = ordered.find(s => s.name !== undefined)?.name
  return {
    ...(name !== undefined ? { name } : {}),
    peerId,
    addresses: loopbackFirst([...new Set(ordered.flatMap(s => s.addresses))]),
    private: ordered[0]?.private ?? false,
    sources: [...new Set(ordered.map(s => s.source))],
  }
}

/** By name (nameless last), then peer id: the same farms always list in the same order. */
function byName (a: ListedFarm, b: ListedFarm): number {
  if (a.name !== b.name) {
    if (a.name === undefined) return 1
    if (b.name === undefined) return -1
    return a.name < b.name ? -1 : 1
  }
  return a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0
}

/** `farms --json`: one object a farm (README: `microfarm farms`); `source` is the first of `sources`. */
export interface FarmJson {
  name: string | null
  peerId: string
  addresses: string[]
  private: boolean
  source: FarmSource
  sources: FarmSource[]
}

export function farmJson (farm: ListedFarm): FarmJson {
  return { name: farm.name ?? null, peerId: farm.peerId, addresses: farm.addresses, private: farm.private, source: farm.sources[0] ?? 'known', sources: farm.sources }
}
