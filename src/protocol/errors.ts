/** A peer sent something that is not valid MicroFarm protocol. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

/** The peer closed the stream between two messages: an end, not a malformed message. */
export class StreamEndedError extends ProtocolError {
  override name = 'StreamEndedError'
}

/** The peer did not answer in time. */
export class TimeoutError extends Error {
  override name = 'TimeoutError'
}

/** The peer answered with an error message of its own. */
export class RemoteError extends Error {
  override name = 'RemoteError'
}
