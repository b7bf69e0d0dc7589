import type { RemapEntry } from '../protocol/project.js'
import type { BorderFractions } from '../jobs/tiles.js'
import { z } from 'zod'

// What the in-Blender driver (microfarm_driver.py) sends back, one JSON line each.

const driverMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), token: z.string(), blender: z.string(), file: z.string(), threads: z.number().int().optional() }),
  z.object({ type: z.literal('opened'), file: z.string(), remapErrors: z.array(z.string()).default([]) }),
  // turnedOff: what a tile render switched off because it needs the whole image ('compositing', 'denoising', 'sequencer').
  z.object({ type: z.literal('saved'), frame: z.number().int(), path: z.string(), turnedOff: z.array(z.string()).default([]) }),
  z.object({ type: z.literal('failed'), frame: z.number().int(), error: z.string() }),
  z.object({ type: z.literal('error'), message: z.string() }),
])
export type DriverMessage = z.infer<typeof driverMessage>

/** Parses one line from the driver; undefined for anything that is not a valid message. */
export function parseDriverMessage (line: string): DriverMessage | undefined {
  try {
    const result = driverMessage.safeParse(JSON.parse(line))
    return result.success ? result.data : undefined
  } catch {
    return undefined
  }
}

/** What the node tells the driver about the scene's files when it opens it. */
export interface SceneFiles {
  /** Absolute paths as the .blend holds them → where their files are on this machine (`to` absolute here). */
  remap: RemapEntry[]
  /** Paths, as the .blend names them, known missing when the job was submitted. */
  allowedMissing: string[]
}

export interface OpenCommand extends SceneFiles {
  type: 'open'
  path: string
}

export interface RenderCommand {
  type: 'render'
  frame: number
  format: string
  outputPrefix: string
  digits: number
  /** Render only this border of the frame, cropped (a tile of a still, see src/jobs/tiles.ts). */
  tile?: BorderFractions
}
