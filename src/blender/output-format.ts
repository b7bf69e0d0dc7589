export type RenderFormat = 'PNG' | 'JPEG' | 'OPEN_EXR'

/** The extension Blender gives each format when it adds one to the file name. */
export const FORMAT_EXTENSIONS: Record<RenderFormat, string> = {
  PNG: 'png',
  JPEG: 'jpg',
  OPEN_EXR: 'exr',
}

/** The driver has Blender pad the frame number in its output names to this many digits. */
export const FRAME_DIGITS = 6
