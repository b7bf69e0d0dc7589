// How a client finds its coordinator without waiting when it can be sure: the
// farm it used last, then the coordinators of this machine, each tried by
// dialing; mDNS (with its settling time, to refuse guessing between unknown
// farms) only when none of them answers.
import { assertCanJoin, locateCoordinators, SeveralFarmsError } from './locate.js'
import type { FoundCoordinator } from './browse.js'
import { chooseFound, describeChoice, describeReplacement, knownCandidates } from './known-farms.js'
import type { KnownCoordinator } from './known-farms.js'
import { readLocalCoordinators, readRemembered } from './known-farms-files.js'

/** A coordinator to talk to: one peer, or (from mDNS) several of one farm, tried in order. */
export interface CoordinatorTarget {
  coordinators: Array<{ peerId: string, farm?: string, addresses: string[], private: boolean }>
}

export interface FindInit {
  farm?: string
  /** This client holds a farm key: private farms are open to it. */
  hasKey: boolean
  /** How long to look over mDNS once no known coordinator answers. */
  timeoutMs: number
  /** Connects to a coordinator at one of these addresses; true when it answered (the noise handshake proved its id). */
  probe: (addresses: readonly string[], signal: AbortSignal) => Promise<boolean>
  /** What the user should know about the choice, one line each. */
  onNote: (line: string) => void
  /** The user's MicroFarm folder (tests). */
  home?: string
  signal?: AbortSignal
}

/**
 * A remembered coordinator gets this long to answer (a machine that is off
 * drops the dial: this long before mDNS is asked). One on this machine's
 * loopback answers or refuses at once; the time is for a machine so busy
 * that the handshake is slow.
 */
const REMEMBERED_PROBE_MS = 2500
const LOCAL_PROBE_MS = 5000

export async function findCoordinator (init: FindInit): Promise<CoordinatorTarget> {
  const [local, { remembered, problem }] = await Promise.all([readLocalCoordinators(init.home), readRemembered(init.home)])
  for (const line of [...local.problems, ...(problem !== undefined ? [problem] : [])]) init.onNote(line)
  const candidates = knownCandidates({ ...(init.farm !== undefined ? { farm: init.farm } : {}), ...(remembered !== undefined ? { remembered } : {}), local: local.records })
  const probe = async (c: KnownCoordinator, ms: number): Promise<boolean> => init.probe(c.addresses, AbortSignal.timeout(ms))

  const first = candidates[0]
  if (first?.why === 'remembered') {
    // The user's own choice last time: on a private farm without its key, say what to pass rather than go elsewhere.
    assertCanJoin([asFound(first)], init.hasKey)
    if (await probe(first, REMEMBERED_PROBE_MS)) {
      const note = describeChoice(first, candidates.slice(1))
      if (note !== undefined) init.onNote(note)
      return { coordinators: [first] }
    }
  }
  const locals = candidates.filter(c => c.why === 'local')
  const joinable = locals.filter(c => !c.private || init.hasKey)
  init.signal?.throwIfAborted()
  const answered = (await Promise.all(joinable.map(async c => await probe(c, LOCAL_PROBE_MS) ? c : undefined))).filter(c => c !== undefined)
  for (const c of joinable) {
    if (!answered.includes(c)) init.onNote(`ignoring the address farm "${c.farm ?? '?'}" left on this machine: its coordinator does not answer there`)
  }
  const farms = [...new Set(answered.map(c => c.farm ?? ''))].sort()
  if (farms.length > 1) throw new SeveralFarmsError(farms)
  if (answered.length > 0) {
    if (first?.why === 'remembered') init.onNote(describeReplacement(first, answered[0]?.farm ?? '?', ' on this machine'))
    return { coordinators: answered }
  }
  // A private coordinator here and no key: say what to pass (--farm names another farm).
  assertCanJoin(locals.map(asFound), init.hasKey)

  const found = await locateCoordinators({
    ...(init.farm !== undefined ? { farm: init.farm } : {}),
    ...(remembered !== undefined ? { prefer: remembered.peerId } : {}),
    timeoutMs: init.timeoutMs,
    ...(init.signal !== undefined ? { signal: init.signal } : {}),
    // A farm named on the command line, or the one used last, is not a guess: no need to wait for others.
    settleMs: init.farm !== undefined ? 0 : 700,
  })
  const { chosen, note } = chooseFound(found, remembered)
  assertCanJoin(chosen, init.hasKey)
  if (note !== undefined) init.onNote(note)
  return { coordinators: chosen.map(c => ({ peerId: c.peerId, farm: c.farm, addresses: c.multiaddrs, private: c.private })) }
}

function asFound (c: KnownCoordinator): FoundCoordinator {
  return { farm: c.farm ?? 'the one you used last', peerId: c.peerId, multiaddrs: c.addresses, private: c.private }
}
