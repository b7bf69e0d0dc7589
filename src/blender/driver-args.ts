/** What Blender is started with to run MicroFarm's driver (see BlenderDriver.start). */
export interface DriverLaunch {
  script: string
  port: number
  token: string
  /** A scene to load at start; without one Blender starts empty and waits for `open`. */
  blendPath?: string
  /** Render threads (Blender's `-t`); absent: every core. */
  threads?: number
}

/**
 * Blender's command line for the driver. `-t` comes first, before `-b` and the
 * file: Blender applies options in order, and the count must hold for every
 * render the driver starts (it overrides the scene's own threads setting).
 */
export function driverArgs (launch: DriverLaunch): string[] {
  return [
    ...(launch.threads !== undefined ? ['-t', String(launch.threads)] : []),
    '-b',
    ...(launch.blendPath !== undefined ? [launch.blendPath] : []),
    // -Y: a .blend from the network never runs its own Python.
    '-Y',
    '--python', launch.script,
    '--', String(launch.port), launch.token,
  ]
}
