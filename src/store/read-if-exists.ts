import { readFile } from 'node:fs/promises'
import { ifExists } from '../util/if-exists.js'

/** A file's text, or undefined when it does not exist (yet): the state files start empty. Other errors are thrown. */
export async function readTextIfExists (path: string): Promise<string | undefined> {
  return ifExists(readFile(path, 'utf8'))
}
