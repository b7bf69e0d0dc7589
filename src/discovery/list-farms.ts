// The farms this machine can reach, for `microfarm farms`: the records it
// keeps (read while mDNS is browsed, so the list costs the browse alone) and
// whatever answers on mDNS. Nothing is dialed: a list says where farms are,
// the command that uses one proves it (the noise handshake).
import { mergeFarms } from './farm-list.js'
import type { ListedFarm } from './farm-list.js'
import { readLocalCoordinators, readRemembered } from './known-farms-files.js'
import { browseCoordinators } from './locate.js'
import { errorMessage } from '../util/error-message.js'

export interface ListInit {
  /** How long to browse mDNS. */
  browseMs: number
  /** What the user should know (a record ignored, mDNS failing), one line each. */
  onNote: (line: string) => void
  /** The user's MicroFarm folder (tests). */
  home?: string
  signal?: AbortSignal
}

export async function listFarms (init: ListInit): Promise<ListedFarm[]> {
  // bonjour reports each failed send: one note per distinct message, not one a packet.
  const said = new Set<string>()
  const onError = (err: Error): void => {
    const line = `mDNS: ${errorMessage(err)} (farms on this network may be missing from the list)`
    if (!said.has(line)) init.onNote(line)
    said.add(line)
  }
  const [local, { remembered, problem }, found] = await Promise.all([
    readLocalCoordinators(init.home),
    readRemembered(init.home),
    browseCoordinators(init.browseMs, onError, init.signal),
  ])
  for (const line of [...local.problems, ...(problem !== undefined ? [problem] : [])]) init.onNote(line)
  return mergeFarms({ local: local.records, ...(remembered !== undefined ? { remembered } : {}), found })
}
