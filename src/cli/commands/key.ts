import { resolve } from 'node:path'
import { writeNewFarmKey } from '../../net/farm-key.js'

/** `microfarm key new [FILE]`: a new farm key, and what to do with it. */
export async function runKeyNew (file: string): Promise<number> {
  const path = resolve(file)
  await writeNewFarmKey(path)
  console.log(`wrote a new farm key to ${path} (readable by you only)`)
  console.log('copy it to every machine of the farm, keep it secret, and start them with it:')
  console.log(`  microfarm coordinator --key ${path}`)
  console.log(`  microfarm node --key ${path}          (and --key for submit, jobs and the job controls, or MICROFARM_KEY=${path})`)
  return 0
}
