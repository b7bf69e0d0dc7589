// What a coordinator puts in its mDNS TXT record, and how a browser reads it
// back. TXT strings are at most 255 bytes each, so each address gets a key.

export interface CoordinatorAdvert {
  farm: string
  peerId: string
  /** Multiaddrs without /p2p; the browser appends the peer id. */
  addresses: string[]
  /** Only holders of the farm's key may connect (the key itself is never advertised). */
  private: boolean
}

const MAX_ADDRESSES = 8

export function toTxt (advert: CoordinatorAdvert): Record<string, string> {
  const txt: Record<string, string> = { v: '1', farm: advert.farm, peer: advert.peerId, ...(advert.private ? { private: '1' } : {}) }
  advert.addresses.slice(0, MAX_ADDRESSES).forEach((address, i) => { txt[`a${i}`] = address })
  return txt
}

/** Reads a TXT record from the network: anything malformed yields undefined. */
export function fromTxt (txt: unknown): CoordinatorAdvert | undefined {
  if (typeof txt !== 'object' || txt === null) return undefined
  const record = txt as Record<string, unknown>
  const farm = record.farm
  const peerId = record.peer
  if (typeof farm !== 'string' || typeof peerId !== 'string' || farm === '' || !/^[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(peerId)) return undefined
  const addresses: string[] = []
  for (let i = 0; i < MAX_ADDRESSES; i++) {
    const address = record[`a${i}`]
    if (typeof address === 'string' && /^\/ip[46]\/[^/]+\/tcp\/\d+$/.test(address)) addresses.push(address)
  }
  return { farm, peerId, addresses, private: record.private === '1' }
}
