// The one place that reads Blender's console output. Blender has no machine
// interface for renders, so everything here is matched against lines captured
// from real runs (test/fixtures/blender-output/).

export type BlenderLine =
  | { kind: 'saved'; path: string }
  | { kind: 'error'; message: string }
  | { kind: 'progress'; frame: number; done: number; total: number }
  | { kind: 'other' }

const OTHER: BlenderLine = { kind: 'other' }

// Blender 2.8+ quotes the path; 2.7x printed `Saved: /path Time: …` on one line.
const SAVED_QUOTED = /^Saved: '(.+)'\s*$/
const SAVED_BARE = /^Saved: (.+?)(?:\s+Time: .*)?$/

// An `Error:` line is not by itself a failed render (a broken driver or an
// add-on can print one and the frame still gets saved): callers decide failure
// from the missing `Saved:` line and use this message to explain it.
const ERROR_PREFIX = /^Error: (.+)$/
// CLOG's format (`ERROR (area): file:line func: message`), used by newer Blenders.
const CLOG_ERROR = /^ERROR \(([^)]*)\):\s*(.+)$/
// Printed at exit when Blender leaks memory: noise, nothing failed.
const HARMLESS_ERRORS = [/^Not freed memory blocks/]

const FRAME_PREFIX = /^Fra:(-?\d+)\s/
const CYCLES_SAMPLE = /\|\s*Sample (\d+)\/(\d+)/
const EEVEE_SAMPLES = /\|\s*Rendering (\d+) \/ (\d+) samples/

export function parseBlenderLine (line: string): BlenderLine {
  const text = line.trimEnd()
  return parseSaved(text) ?? parseError(text) ?? parseProgress(text) ?? OTHER
}

function parseSaved (text: string): BlenderLine | undefined {
  const match = SAVED_QUOTED.exec(text) ?? SAVED_BARE.exec(text)
  return match?.[1] != null ? { kind: 'saved', path: match[1] } : undefined
}

function parseError (text: string): BlenderLine | undefined {
  const message = ERROR_PREFIX.exec(text)?.[1] ?? CLOG_ERROR.exec(text)?.[2]
  if (message == null || HARMLESS_ERRORS.some((re) => re.test(message))) return undefined
  return { kind: 'error', message: message.trim() }
}

function parseProgress (text: string): BlenderLine | undefined {
  const frame = FRAME_PREFIX.exec(text)?.[1]
  if (frame == null) return undefined
  const samples = CYCLES_SAMPLE.exec(text) ?? EEVEE_SAMPLES.exec(text)
  if (samples?.[1] == null || samples[2] == null) return undefined
  return { kind: 'progress', frame: Number(frame), done: Number(samples[1]), total: Number(samples[2]) }
}

/** `Blender 4.2.3 LTS` (first line of `blender --version`) → `4.2.3`. */
export function parseBlenderVersion (line: string): string | undefined {
  return /^Blender (\d+\.\d+(?:\.\d+)?)\b/.exec(line.trim())?.[1]
}

const SCENE_INFO_PREFIX = 'MF:'

/** The JSON text of the line our scene-info expression prints, unvalidated. */
export function parseSceneInfoLine (line: string): string | undefined {
  return line.startsWith(SCENE_INFO_PREFIX) ? line.slice(SCENE_INFO_PREFIX.length) : undefined
}

export { SCENE_INFO_PREFIX }

/** The last line of a Python traceback, e.g. `AttributeError: 'Scene' object has no attribute 'x'`. */
export function parsePythonException (line: string): string | undefined {
  return /^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception): .+/.exec(line.trim())?.[0]
}

// What Blender prints, in background mode, about files it could not load
// (checked with 3.4: see STACK-NOTES). Many missing files print nothing at
// all, which is why the driver also checks the files itself.
const LOAD_WARNINGS = [
  /^Warning: Unable to open /,
  /anim file doesn't exist/,
  /Cannot find library/i,
  /^Error: Unable to pack file, source path .* not found/,
  /^(Warning|Error): .*(No such file|not found|can't open|cannot open)/i,
  /GPUTexture: Blender Texture Not Loaded/,
  /^Read library: .* not found/i,
]

/** A line Blender prints while loading a scene that says a file it needs is not there. */
export function isLoadWarning (line: string): boolean {
  return LOAD_WARNINGS.some(pattern => pattern.test(line.trim()))
}
