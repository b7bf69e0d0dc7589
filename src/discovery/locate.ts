import type { FoundCoordinator } from './browse.js'
import { sleep } from '../util/sleep.js'
import { FarmKeyError } from '../net/farm-key.js'

export class NoCoordinatorError extends Error {
  override name = 'NoCoordinatorError'
}

export class SeveralFarmsError extends Error {
  override name = 'SeveralFarmsError'
  constructor (readonly farms: string[]) {
    super(`several farms answer on this network: ${farms.join(', ')}. Choose one with --farm NAME`)
  }
}

export interface LocateOptions {
  /** Only coordinators of this farm. */
  farm?: string
  /** Only this coordinator (a node that joined it comes back to it, never to another farm). */
  peerId?: string
  /** Give up after this long (undefined: keep looking until aborted). */
  timeoutMs?: number
  /** After the first answer, how long to wait for other farms to answer too. */
  settleMs?: number
  /** A coordinator already chosen (by its peer id, e.g. the farm used last): once it answers, no more waiting. */
  prefer?: string
  signal?: AbortSignal
  /** Called every `waitingEveryMs` while nothing has answered. */
  onWaiting?: (elapsedMs: number) => void
  waitingEveryMs?: number
  onError?: (err: Error) => void
}

/**
 * Refuses, before any dial, farms whose key this peer lacks: a connection to
 * them ends in a reset nobody could read, so this says what to do instead.
 */
export function assertCanJoin (found: readonly FoundCoordinator[], hasKey: boolean): void {
  const closed = found.find(c => c.private && !hasKey)
  if (closed !== undefined) throw new FarmKeyError(`farm "${closed.farm}" is private: pass --key FILE (ask whoever runs the coordinator)`)
}

export const NOT_FOUND_HELP = 'Is `microfarm coordinator` running on this network? mDNS needs UDP port 5353 open (multicast) on both machines. ' +
  'On a routed network or VPN, pass --coordinator with the address the coordinator prints.'

/**
 * Finds coordinators over mDNS. With several farms answering and no --farm,
 * it refuses to guess (SeveralFarmsError lists them).
 */
export async function locateCoordinators (options: LocateOptions = {}): Promise<FoundCoordinator[]> {
  // Loaded when asked for: a client that reaches a known coordinator never needs mDNS.
  const { CoordinatorBrowser } = await import('./browse.js')
  const browser = new CoordinatorBrowser(options.onError ?? (() => undefined))
  browser.start()
  const started = Date.now()
  let firstSeen: number | undefined
  let lastWaiting = started
  try {
    while (true) {
      options.signal?.throwIfAborted()
      const found = browser.found().filter(c => (options.farm === undefined || c.farm === options.farm) && (options.peerId === undefined || c.peerId === options.peerId))
      const now = Date.now()
      if (found.length > 0) {
        firstSeen ??= now
        if (options.prefer !== undefined && found.some(c => c.peerId === options.prefer)) return found
        if (now - firstSeen >= (options.settleMs ?? 1000)) {
          const farms = [...new Set(found.map(c => c.farm))].sort()
          if (farms.length > 1) throw new SeveralFarmsError(farms)
          return found
        }
      } else if (options.timeoutMs !== undefined && now - started > options.timeoutMs) {
        const which = options.farm !== undefined ? `of farm "${options.farm}" ` : ''
        throw new NoCoordinatorError(`no coordinator ${which}found after ${Math.round(options.timeoutMs / 1000)} s. ${NOT_FOUND_HELP}`)
      } else if (options.onWaiting !== undefined && now - lastWaiting >= (options.waitingEveryMs ?? 10_000)) {
        lastWaiting = now
        options.onWaiting(now - started)
      }
      await sleep(150, options.signal)
    }
  } finally {
    browser.stop()
  }
}

/**
 * Everything that answers over mDNS within `ms`, every farm: for listing, not
 * choosing (locateCoordinators refuses to guess between farms; a list does
 * not guess). No answer is not an error here: an empty list says so.
 */
export async function browseCoordinators (ms: number, onError: (err: Error) => void, signal?: AbortSignal): Promise<FoundCoordinator[]> {
  const { CoordinatorBrowser } = await import('./browse.js')
  const browser = new CoordinatorBrowser(onError)
  browser.start()
  try {
    await sleep(ms, signal)
    return browser.found()
  } finally {
    browser.stop()
  }
}
