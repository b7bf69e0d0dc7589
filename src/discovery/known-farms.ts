// Farms a client knows without asking the network: the coordinators of this
// machine (each leaves its address for local clients) and the farm this user
// used last. Pure: what the files may hold, and in which order to try them.
// Reading and writing them is known-farms-files.ts; dialing decides.
import { z } from 'zod'
import type { FoundCoordinator } from './browse.js'
import { SeveralFarmsError } from './locate.js'

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,60}$/
/** A TCP multiaddr with the peer id: what dialFirst takes. */
const ADDRESS = /^\/ip[46]\/[^/]{1,64}\/tcp\/\d{1,5}\/p2p\/[1-9A-HJ-NP-Za-km-z]{40,60}$/

const known = {
  peerId: z.string().regex(PEER_ID),
  addresses: z.array(z.string().max(200).regex(ADDRESS)).min(1).max(16),
  private: z.boolean(),
}

/** `~/.microfarm/coordinators/<peer id>.json`: written by a coordinator once it listens, removed when it stops. */
export const localCoordinatorRecord = z.object({
  v: z.literal(1),
  farm: z.string().min(1).max(255),
  ...known,
  /** The coordinator's process on this host: a file whose process is gone is stale. */
  pid: z.number().int().positive(),
  host: z.string().max(255),
  /** Linux: the network namespace it listens in (`net:[…]`); its loopback is not another namespace's. */
  netns: z.string().max(64).optional(),
}).strict()
export type LocalCoordinatorRecord = z.infer<typeof localCoordinatorRecord>

/** `~/.microfarm/last-farm.json`: the coordinator this user's CLI reached last. */
export const rememberedFarmRecord = z.object({
  v: z.literal(1),
  /** Unknown when it was reached with --coordinator alone (mDNS or a local record names farms). */
  farm: z.string().min(1).max(255).optional(),
  ...known,
}).strict()
export type RememberedFarm = z.infer<typeof rememberedFarmRecord>

/** A coordinator to dial before (or instead of) asking mDNS. */
export interface KnownCoordinator {
  peerId: string
  farm?: string
  addresses: string[]
  private: boolean
  why: 'remembered' | 'local'
}

/** Every address names the record's own peer id: a record cannot send a client to another peer under its name. */
export function addressesMatchPeer (record: { peerId: string, addresses: readonly string[] }): boolean {
  return record.addresses.every(a => a.endsWith(`/p2p/${record.peerId}`))
}

function isLoopback (address: string): boolean {
  return address.startsWith('/ip4/127.') || address.startsWith('/ip6/::1/')
}

/** Loopback first: a local coordinator answers there without touching the network. */
export function loopbackFirst (addresses: readonly string[]): string[] {
  return [...addresses.filter(isLoopback), ...addresses.filter(a => !isLoopback(a))]
}

/**
 * Which known coordinators to dial, in order: the remembered farm first (the
 * user's own choice, last time), then this machine's coordinators. `--farm`
 * keeps only that farm's; a remembered coordinator of unknown farm name does
 * not match any `--farm`.
 */
export function knownCandidates (options: { farm?: string, remembered?: RememberedFarm, local: readonly LocalCoordinatorRecord[] }): KnownCoordinator[] {
  const wanted = (farm: string | undefined): boolean => options.farm === undefined || farm === options.farm
  const out: KnownCoordinator[] = []
  const r = options.remembered
  if (r !== undefined && wanted(r.farm)) {
    // A local record of the same coordinator is fresher (its addresses today, its farm's name).
    const here = options.local.find(l => l.peerId === r.peerId)
    out.push({ peerId: r.peerId, addresses: loopbackFirst([...new Set([...(here?.addresses ?? []), ...r.addresses])]), private: here?.private ?? r.private, why: 'remembered', ...(here !== undefined ? { farm: here.farm } : r.farm !== undefined ? { farm: r.farm } : {}) })
  }
  for (const l of options.local) {
    if (!wanted(l.farm) || out.some(c => c.peerId === l.peerId)) continue
    out.push({ peerId: l.peerId, farm: l.farm, addresses: loopbackFirst(l.addresses), private: l.private, why: 'local' })
  }
  return out
}

/** What a client says about the coordinator it chose, when there was a choice; undefined when there was none. */
export function describeChoice (chosen: Pick<KnownCoordinator, 'farm' | 'why'>, others: readonly { farm?: string }[]): string | undefined {
  const names = [...new Set(others.map(o => o.farm ?? 'unnamed'))].filter(f => f !== chosen.farm).sort()
  if (names.length === 0) return undefined
  const which = chosen.farm !== undefined ? `farm "${chosen.farm}"` : 'the coordinator'
  const reason = chosen.why === 'remembered' ? 'the one you used last' : 'the one on this machine'
  return `using ${which} (${reason}); also known: ${names.join(', ')}. Choose with --farm NAME`
}

/**
 * Among coordinators mDNS found: the remembered one wins (said when other
 * farms answered too); without one, several farms are refused, never guessed.
 */
export function chooseFound (found: readonly FoundCoordinator[], remembered: RememberedFarm | undefined): { chosen: FoundCoordinator[], note?: string } {
  const mine = remembered !== undefined ? found.filter(c => c.peerId === remembered.peerId) : []
  const first = mine[0]
  if (first !== undefined) {
    const note = describeChoice({ ...first, why: 'remembered' }, found.filter(c => c.peerId !== first.peerId))
    return { chosen: mine, ...(note !== undefined ? { note } : {}) }
  }
  const farms = [...new Set(found.map(c => c.farm))].sort()
  if (farms.length > 1) throw new SeveralFarmsError(farms)
  const farm = farms[0]
  if (remembered === undefined || farm === undefined) return { chosen: [...found] }
  return { chosen: [...found], note: describeReplacement(remembered, farm) }
}

/** Said when the coordinator used last does not answer and another one does. */
export function describeReplacement (remembered: { farm?: string }, farm: string, where = ''): string {
  return remembered.farm === farm
    ? `farm "${farm}" answers from another coordinator than last time (a new peer id)${where}`
    : `the farm you used last${remembered.farm !== undefined ? ` ("${remembered.farm}")` : ''} does not answer; using farm "${farm}"${where}`
}

/** What to remember of the coordinator a client reached (the address that answered first): undefined when nothing changed (no write). */
export function nextRemembered (previous: RememberedFarm | undefined, reached: { peerId: string, farm?: string, addresses: readonly string[], private: boolean }): RememberedFarm | undefined {
  // The name survives a --coordinator run of the same coordinator, which does not learn it.
  const farm = reached.farm ?? (previous?.peerId === reached.peerId ? previous.farm : undefined)
  // Reached from another machine, its loopback addresses are this machine's: not worth a dial next time.
  const remote = reached.addresses[0] !== undefined && !isLoopback(reached.addresses[0])
  const addresses = [...new Set(reached.addresses)].filter(a => ADDRESS.test(a) && a.endsWith(`/p2p/${reached.peerId}`) && !(remote && isLoopback(a))).slice(0, 16)
  if (addresses.length === 0) return undefined
  const next: RememberedFarm = { v: 1, ...(farm !== undefined ? { farm } : {}), peerId: reached.peerId, addresses, private: reached.private }
  return JSON.stringify(next) === JSON.stringify(previous) ? undefined : next
}
