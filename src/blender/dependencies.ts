import { z } from 'zod'
import { sceneInfo } from '../protocol/messages.js'

// What microfarm_deps.py (inside Blender) reports about a scene's external
// files: one reference per place in the scene that names a file or folder,
// with the concrete files it needs on this machine. The same walker runs on
// the submitting machine (the trace) and on the node (the check before it
// renders), so both sides agree on what "the scene's files" are.

export const dependencyKind = z.enum([
  'image', 'udim', 'image-sequence', 'movie', 'library', 'strip', 'clip', 'sound', 'font',
  'volume', 'cache-file', 'mesh-cache', 'point-cache', 'bake', 'ies', 'script',
])
export type DependencyKind = z.infer<typeof dependencyKind>

export const dependencyReference = z.object({
  kind: dependencyKind,
  /** For people: which datablock names the file, e.g. "image 'checker'" or "object 'Cloth', modifier 'Cloth'". */
  owner: z.string().max(1000),
  /** The path exactly as the .blend holds it: `//textures/a.png`, `/home/ann/x.exr`, `C:\x.png`, `//t.<UDIM>.png`. */
  stored: z.string().max(4096),
  /** Absolute path of the library .blend that holds this reference; null: the main file. */
  library: z.string().max(4096).nullable(),
  /** `stored` made absolute on this machine (templates such as <UDIM> kept as they are). */
  resolved: z.string().max(4096),
  /** Absolute paths of the existing files this reference needs (every tile, every frame of the range, every cache file). */
  files: z.array(z.string().max(4096)),
  /** Absolute paths it needs that do not exist on this machine. */
  missing: z.array(z.string().max(4096)),
})
export type DependencyReference = z.infer<typeof dependencyReference>

export const traceOutput = z.object({
  blender: z.string().max(200),
  /** Major.minor of the Blender that saved the file (bpy.data.version): read even when the file is compressed. */
  fileVersion: z.string().regex(/^[0-9]{1,2}\.[0-9]{1,2}$/).optional(),
  /** Absolute path of the main .blend as Blender loaded it; empty when it could not be loaded. */
  filepath: z.string().max(4096),
  scene: sceneInfo,
  references: z.array(dependencyReference),
  /** Drivers with Python expressions: they do not run under -Y, on the farm or in this trace. */
  pythonDrivers: z.number().int().nonnegative(),
})
export type TraceOutput = z.infer<typeof traceOutput>

/** The trace's JSON checked against its schema: the trace, or what is wrong with it, said for people. */
export function parseTraceOutput (data: unknown): { trace: TraceOutput } | { problem: string, cause: Error } {
  const parsed = traceOutput.safeParse(data)
  return parsed.success ? { trace: parsed.data } : { problem: z.prettifyError(parsed.error), cause: parsed.error }
}
