import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where a node keeps the jobs' files and frames waiting for upload. */
export const DEFAULT_WORK_DIR = join(homedir(), '.microfarm', 'node')

/** 20 GiB: room for a few production projects; least recently used content goes first. */
export const DEFAULT_CACHE_BYTES = 20 * 1024 ** 3
