/**
 * What went wrong, for a log line. libp2p rejects some stream writes with a
 * DOM Event (a stream closed under them) rather than an Error: say that
 * instead of "[object Event]".
 */
export function errorMessage (err: unknown): string {
  if (err instanceof Error) return err.message
  if (err instanceof Event) return `the stream was closed (${err.type})`
  return String(err)
}

/** The same, as an Error to throw or abort with. */
export function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err))
}
