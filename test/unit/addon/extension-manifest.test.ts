import { readFile } from 'node:fs/promises'
import test from 'ava'

// Blender 4.2+ refuses to install an extension whose manifest breaks the rules
// of its validator (scripts/addons_core/bl_pkg/cli/blender_ext.py, strict mode):
// these are the ones a hand-written manifest can break. Blender 4.2 is not on
// this machine, so they are checked here.

const MANIFEST = new URL('../../../addon/microfarm/blender_manifest.toml', import.meta.url)
/** TERSE_DESCRIPTION_MAX_LENGTH: the tagline and every permission's reason. */
const TERSE = 64

/** `key = "value"` lines by table (the manifest uses no other string form). */
async function strings (): Promise<Map<string, Map<string, string>>> {
  const tables = new Map<string, Map<string, string>>([['', new Map()]])
  let table = ''
  for (const line of (await readFile(MANIFEST, 'utf8')).split('\n')) {
    const header = /^\[([a-z_.]+)\]\s*$/.exec(line)
    if (header !== null) tables.set(table = header[1] as string, new Map())
    const pair = /^([a-z_]+) = "([^"]*)"\s*$/.exec(line)
    if (pair !== null) tables.get(table)?.set(pair[1] as string, pair[2] as string)
  }
  return tables
}

function terseProblem (value: string): string | undefined {
  if (value.length > TERSE) return `${value.length} characters, at most ${TERSE}`
  if (value !== value.trim() || value === '') return 'empty or padded'
  return /[\p{L}\p{N})\]}]$/u.test(value) ? undefined : 'ends with punctuation'
}

test('the extension manifest has what Blender requires, and its short texts pass Blender\'s validator', async (t) => {
  const tables = await strings()
  const top = tables.get('') ?? new Map<string, string>()
  for (const key of ['schema_version', 'id', 'version', 'name', 'tagline', 'maintainer', 'type', 'blender_version_min']) t.true(top.has(key), `missing ${key}`)
  t.regex(top.get('id') ?? '', /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, 'a Python identifier, no leading, trailing or double _')
  t.is(top.get('type'), 'add-on')
  t.regex(top.get('blender_version_min') ?? '', /^4\.2\.\d+$/)
  const terse = [['tagline', top.get('tagline') ?? ''], ...[...(tables.get('permissions') ?? [])].map(([k, v]) => [`permissions.${k}`, v])]
  t.true(terse.length >= 3, 'a tagline and the files and network permissions')
  for (const [key, value] of terse) t.is(terseProblem(value as string), undefined, `${key}: ${JSON.stringify(value)}`)
  for (const key of (tables.get('permissions') ?? new Map()).keys()) t.true(['files', 'network', 'clipboard', 'camera', 'microphone'].includes(key), key)
})
