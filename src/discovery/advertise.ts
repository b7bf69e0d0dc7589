import { Bonjour } from 'bonjour-service'
import { MDNS_SERVICE_TYPE } from '../protocol/constants.js'
import type { CoordinatorAdvert } from './txt-record.js'
import { toTxt } from './txt-record.js'

export interface Advertisement {
  stop: () => Promise<void>
}

/**
 * Publishes `_microfarm._tcp`. The instance name carries a short peer id:
 * two coordinators with one farm name must not collide (the second would
 * silently not be published).
 */
export function advertiseCoordinator (advert: CoordinatorAdvert & { port: number }, onError: (err: Error) => void): Advertisement {
  const bonjour = new Bonjour({}, (err: unknown) => onError(err instanceof Error ? err : new Error(String(err))))
  bonjour.publish({
    name: `${advert.farm}-${advert.peerId.slice(-8)}`,
    type: MDNS_SERVICE_TYPE,
    port: advert.port,
    txt: toTxt(advert),
    disableIPv6: true,
  })
  return {
    stop: async () => new Promise<void>((resolve) => {
      // unpublishAll sends the goodbye packets; destroy closes the socket after.
      bonjour.unpublishAll(() => {
        bonjour.destroy()
        resolve()
      })
    }),
  }
}
