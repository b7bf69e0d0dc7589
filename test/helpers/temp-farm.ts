import type { ExecutionContext } from 'ava'
import { CoordinatorEvents } from '../../src/coordinator/events.js'
import type { CoordinatorEvent } from '../../src/coordinator/events.js'
import { Farm } from '../../src/coordinator/farm.js'
import { JobStore } from '../../src/store/job-store.js'
import { tempFolder } from './temp-folder.js'

/** A farm over a job store in a temporary folder; `events` records every event on `bus`. */
export interface TempFarm { farm: Farm, store: JobStore, bus: CoordinatorEvents, events: CoordinatorEvent[] }

export async function tempFarm (t: ExecutionContext, prefix: string): Promise<TempFarm> {
  const store = new JobStore(await tempFolder(t, prefix))
  await store.init()
  // Registered after the folder, so it runs first: no manifest write lands in a removed folder.
  t.teardown(async () => { await store.drain() })
  const bus = new CoordinatorEvents()
  const events: CoordinatorEvent[] = []
  bus.on(event => { events.push(event) })
  const farm = new Farm({ policy: { maxAttempts: 3, blocklistAfter: 3 } }, { store, events: bus })
  return { farm, store, bus, events }
}
