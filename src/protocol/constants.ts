// Every protocol id carries a version so a future change can run beside this one.
export const PROTOCOL_VERSION = 1

export const SESSION_PROTOCOL = '/microfarm/session/1.0.0'
export const BLEND_PROTOCOL = '/microfarm/blend/1.0.0'
export const FRAME_PROTOCOL = '/microfarm/frame/1.0.0'
export const SUBMIT_PROTOCOL = '/microfarm/submit/1.0.0'
export const ADMIN_PROTOCOL = '/microfarm/admin/1.0.0'

/** mDNS service type: `_microfarm._tcp`. */
export const MDNS_SERVICE_TYPE = 'microfarm'

/** Blender's highest frame number (MAXFRAME). */
export const MAX_FRAME_NUMBER = 1_048_574

/** Largest control message (JSON) either side accepts. */
export const MAX_MESSAGE_BYTES = 1024 * 1024
/** Largest .blend a coordinator accepts. */
export const MAX_BLEND_BYTES = 64 * 1024 * 1024 * 1024
/** Largest single rendered frame a coordinator accepts. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024 * 1024

export const HEARTBEAT_INTERVAL_MS = 5_000
export const DEFAULT_NODE_TIMEOUT_MS = 15_000
/** How long a peer may take to send the first message of a stream. */
export const FIRST_MESSAGE_TIMEOUT_MS = 10_000

/** Uploads of frames run beside rendering; many may be open on one connection. */
export const MAX_INBOUND_STREAMS = 256
