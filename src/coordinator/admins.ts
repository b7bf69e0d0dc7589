import writeFileAtomic from 'write-file-atomic'
import { z } from 'zod'
import { readTextIfExists } from '../store/read-if-exists.js'

// The farm's admins by peer id, kept in OUTPUT/.microfarm/admins.json (the
// coordinator's user is an admin without being listed: see ownership.ts).

const adminsFile = z.object({ version: z.literal(1), admins: z.array(z.object({ peerId: z.string().min(1).max(100), name: z.string().max(200) })).max(1000) })

export interface Admin { peerId: string, name: string }

export class AdminsFileError extends Error {
  override name = 'AdminsFileError'
}

export class Admins {
  private readonly listed = new Map<string, string>()
  private readonly builtIn = new Set<string>()
  private writes: Promise<void> = Promise.resolve()

  constructor (private readonly path: string) {}

  async load (): Promise<void> {
    const text = await readTextIfExists(this.path)
    if (text === undefined) return
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      throw new AdminsFileError(`${this.path} is not valid JSON; fix or remove it (until then only the coordinator's own user is an admin)`, { cause: err })
    }
    const parsed = adminsFile.safeParse(value)
    if (!parsed.success) throw new AdminsFileError(`${this.path} is not a list of admins; fix or remove it (until then only the coordinator's own user is an admin)`)
    for (const admin of parsed.data.admins) this.listed.set(admin.peerId, admin.name)
  }

  /** An admin that is not listed or saved: the coordinator's own user. */
  addBuiltIn (peerId: string): void { this.builtIn.add(peerId) }

  /** Every admin's peer id (listed and built in), for the ownership rules. */
  ids (): ReadonlySet<string> { return new Set([...this.builtIn, ...this.listed.keys()]) }

  list (): Admin[] { return [...this.listed].map(([peerId, name]) => ({ peerId, name })) }

  async add (admin: Admin): Promise<void> {
    this.listed.set(admin.peerId, admin.name)
    await this.save()
  }

  async remove (peerId: string): Promise<boolean> {
    const had = this.listed.delete(peerId)
    if (had) await this.save()
    return had
  }

  /** One write at a time, each of the newest list; resolves once this change is on disk. */
  private async save (): Promise<void> {
    const write = this.writes.then(async () => {
      await writeFileAtomic(this.path, JSON.stringify({ version: 1, admins: this.list() }, null, 2) + '\n', { fsync: true })
    })
    this.writes = write.catch(() => undefined)
    await write
  }
}
