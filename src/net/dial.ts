import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import type { Host } from './host.js'
import { errorMessage } from '../util/error-message.js'

export class DialError extends Error {
  override name = 'DialError'
}

/** Checks a --coordinator value early, with a message a user can act on. */
export function parseCoordinatorAddress (text: string): string {
  try {
    const addr = multiaddr(text)
    if (addr.getComponents().some(c => c.name === 'p2p')) return addr.toString()
  } catch (err) {
    throw new DialError(`--coordinator ${text} is not a multiaddr like /ip4/192.0.2.10/tcp/9090/p2p/12D3Koo…`, { cause: err })
  }
  throw new DialError(`--coordinator ${text} has no /p2p/<peer id> part; copy the full address the coordinator prints`)
}

/**
 * Opens a stream to the first address that answers. The /p2p/ part of each
 * address is checked by the noise handshake: a peer with another id fails.
 */
export async function dialFirst (host: Host, addresses: readonly string[], protocol: string, options: { signal?: AbortSignal, timeoutMs?: number, keyed?: boolean } = {}): Promise<{ stream: Stream, address: string }> {
  const failures: string[] = []
  for (const address of addresses) {
    const signal = anySignal(options.signal, AbortSignal.timeout(options.timeoutMs ?? 5000))
    try {
      const stream = await host.dialProtocol(multiaddr(address), protocol, { signal })
      return { stream, address }
    } catch (err) {
      options.signal?.throwIfAborted()
      failures.push(`${address}: ${errorMessage(err)}`)
    }
  }
  // A private farm resets a connection without its key before a word is read: the likely cause, said plainly.
  const hint = options.keyed === true
    ? '; if the farm is private, check that --key is its key file'
    : '; if the farm is private, pass --key FILE (ask whoever runs the coordinator)'
  throw new DialError(`could not reach the coordinator (${failures.join('; ') || 'no address'})${failures.length > 0 ? hint : ''}`)
}

function anySignal (a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a === undefined ? b : AbortSignal.any([a, b])
}
