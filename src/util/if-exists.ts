// A file or folder that is not there yet is a normal answer (no state saved
// so far, no frames written), not a failure: the one place that tells that
// apart from the errors that are (ENOTDIR, EACCES, EIO: those are thrown).

/** Whether a file system call failed because its path (or a folder on it) does not exist. */
export function isMissing (err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT'
}

/** What the file system call gives, or undefined when its path does not exist; any other failure is thrown. */
export async function ifExists<T> (pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending
  } catch (err) {
    if (isMissing(err)) return undefined
    throw err
  }
}
