import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where a node keeps its .blend cache and frames waiting for upload. */
export const DEFAULT_WORK_DIR = join(homedir(), '.microfarm', 'node')
