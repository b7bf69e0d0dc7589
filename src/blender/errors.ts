/** No usable Blender executable: the message says where we looked and what to do. */
export class BlenderNotFoundError extends Error {
  override name = 'BlenderNotFoundError'
}

/** Blender ran but did not do what we asked; the message carries Blender's own words. */
export class BlenderError extends Error {
  override name = 'BlenderError'
}
