/** ffmpeg could not be found or run; the job stays completed and its frames untouched. */
export class FfmpegNotFoundError extends Error {
  override name = 'FfmpegNotFoundError'
}

/** ffmpeg ran and failed; `stderrTail` holds its own last words, which say why. */
export class EncodeError extends Error {
  override name = 'EncodeError'
  readonly stderrTail: readonly string[]
  readonly exitCode: number | null

  constructor (message: string, o: { stderrTail?: readonly string[]; exitCode?: number | null; cause?: unknown } = {}) {
    const tail = o.stderrTail ?? []
    super(tail.length > 0 ? `${message}\nffmpeg said:\n  ${tail.join('\n  ')}` : message,
      o.cause !== undefined ? { cause: o.cause } : undefined)
    this.stderrTail = tail
    this.exitCode = o.exitCode ?? null
  }
}

/** Frames ffmpeg cannot read as they are (e.g. multilayer OpenEXR). */
export class UnsupportedFramesError extends Error {
  override name = 'UnsupportedFramesError'
  readonly paths: readonly string[]

  constructor (message: string, paths: readonly string[], options?: ErrorOptions) {
    super(message, options)
    this.paths = paths
  }
}
