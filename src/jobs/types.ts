// The domain shares these value types with the wire format, where they are
// defined once as schemas.
export type { EncodeSettingsMessage, SceneInfoMessage } from '../protocol/messages.js'
export type { MissingDependency, ProjectManifest, ProjectRef } from '../protocol/project.js'
export type { JobOwner, RenderFormatName } from '../protocol/messages.js'
