// npm run bench: every benchmark, each result a ratio measured in this run.
import { assets } from './assets.js'
import { cli } from './cli.js'
import { dispatch } from './dispatch.js'
import { distribution } from './distribution.js'
import { farmVsBlender } from './farm-vs-blender.js'
import { farmKey } from './farm-key.js'
import { nodeStartup } from './node-startup.js'
import { scheduling } from './scheduling.js'
import { soak } from './soak.js'
import { tiles } from './tiles.js'
import { transfer } from './transfer.js'
import { ui } from './ui.js'

const only = process.argv.slice(2)
const benches: Array<[string, () => Promise<string[]>]> = [
  ['farm', farmVsBlender],
  ['startup', nodeStartup],
  ['scheduling', scheduling],
  ['dispatch', dispatch],
  ['transfer', transfer],
  ['distribution', distribution],
  ['farmkey', farmKey],
  ['ui', ui],
  ['cli', cli],
  ['assets', assets],
  ['tiles', tiles],
  ['soak', soak],
]

for (const [name, bench] of benches) {
  if (only.length > 0 && !only.includes(name)) continue
  const started = Date.now()
  try {
    for (const line of await bench()) console.log(line)
  } catch (err) {
    console.log(`${name}: failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    process.exitCode = 1
  }
  console.log(`  (${name} took ${Math.round((Date.now() - started) / 1000)} s)`)
}
