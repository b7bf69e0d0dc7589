import { Bonjour } from 'bonjour-service'
import type { Browser } from 'bonjour-service'
import { MDNS_SERVICE_TYPE } from '../protocol/constants.js'
import type { CoordinatorAdvert } from './txt-record.js'
import { fromTxt } from './txt-record.js'

export interface FoundCoordinator {
  farm: string
  peerId: string
  /** Dialable multiaddrs ending in /p2p/<peerId>: the noise handshake proves the id. */
  multiaddrs: string[]
  /** The farm takes only peers holding its key. */
  private: boolean
}

/**
 * Browses for coordinators. mDNS only says where a coordinator might be:
 * records outlive a killed process, so liveness is decided by dialing.
 */
export class CoordinatorBrowser {
  private readonly bonjour: Bonjour
  private readonly browser: Browser
  private requery?: NodeJS.Timeout

  constructor (onError: (err: Error) => void) {
    this.bonjour = new Bonjour({}, (err: unknown) => onError(err instanceof Error ? err : new Error(String(err))))
    this.browser = this.bonjour.find({ type: MDNS_SERVICE_TYPE })
  }

  start (requeryMs = 3000): void {
    // Ask again now and then: a coordinator that restarted may not announce
    // itself to a browser that already cached its old record.
    this.requery = setInterval(() => this.browser.update(), requeryMs)
    this.requery.unref()
  }

  found (): FoundCoordinator[] {
    const byPeer = new Map<string, FoundCoordinator>()
    for (const service of this.browser.services) {
      const advert = fromTxt(service.txt)
      if (advert === undefined) continue
      const multiaddrs = dialable(advert, service.referer?.address, service.port)
      const known = byPeer.get(advert.peerId)
      if (known !== undefined) {
        for (const addr of multiaddrs) if (!known.multiaddrs.includes(addr)) known.multiaddrs.push(addr)
      } else {
        byPeer.set(advert.peerId, { farm: advert.farm, peerId: advert.peerId, multiaddrs, private: advert.private })
      }
    }
    return [...byPeer.values()]
  }

  stop (): void {
    clearInterval(this.requery)
    this.browser.stop()
    this.bonjour.destroy()
  }
}

/** The address the answer came from first (it is on a route we have), then the advertised ones. */
export function dialable (advert: CoordinatorAdvert, refererAddress: string | undefined, port: number): string[] {
  const addrs: string[] = []
  if (refererAddress !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(refererAddress) && Number.isInteger(port) && port > 0) {
    addrs.push(`/ip4/${refererAddress}/tcp/${port}`)
  }
  for (const addr of advert.addresses) if (!addrs.includes(addr)) addrs.push(addr)
  return addrs.map(addr => `${addr}/p2p/${advert.peerId}`)
}
