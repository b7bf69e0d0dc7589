// Every protocol id carries a version so a future change can run beside this one.
export const PROTOCOL_VERSION = 4

export const SESSION_PROTOCOL = '/microfarm/session/1.0.0'
/** A node (or a client) fetches content — a .blend, a texture, a project manifest — by its SHA-256. */
export const CONTENT_PROTOCOL = '/microfarm/content/1.0.0'
export const FRAME_PROTOCOL = '/microfarm/frame/1.0.0'
export const SUBMIT_PROTOCOL = '/microfarm/submit/1.0.0'
export const ADMIN_PROTOCOL = '/microfarm/admin/1.0.0'
/** Any farm member lists a job's frames and videos and fetches them by the listing's names. */
export const RESULTS_PROTOCOL = '/microfarm/results/1.0.0'
/** A client watches the farm's events (protocol/farm-events.ts): one message each until it closes. */
export const EVENTS_PROTOCOL = '/microfarm/events/1.0.0'

/** mDNS service type: `_microfarm._tcp`. */
export const MDNS_SERVICE_TYPE = 'microfarm'

/** Blender's highest frame number (MAXFRAME). */
export const MAX_FRAME_NUMBER = 1_048_574

/** Most tiles of one tiled still (submit --tiles): more is a typo, not a plan, each costs a Blender scene load. */
export const MAX_TILES = 256
/** Widest overscan margin of a tile, in pixels. */
export const MAX_OVERSCAN = 512

/** Longest name or short fact in a message (a node's or a job's name, Blender's version). */
export const MAX_SHORT_TEXT = 200
/** Longest error or warning text in a message; what the coordinator stores of one is cut to it. */
export const MAX_ERROR_TEXT = 4000
/** Longest frame list in a message: what a user types, and a job summary's range. */
export const MAX_FRAME_LIST_TEXT = 10_000

/** Largest control message (JSON) either side accepts. */
export const MAX_MESSAGE_BYTES = 1024 * 1024
/** Largest single file of a project (a .blend, a texture, a cache) a coordinator accepts. */
export const MAX_CONTENT_BYTES = 64 * 1024 * 1024 * 1024
/** Most files one job's project may have (every tile, every frame of a sequence, every cache file counts). */
export const MAX_PROJECT_FILES = 20_000
/** Largest total of one job's project files. */
export const MAX_PROJECT_BYTES = 256 * 1024 * 1024 * 1024
/** Largest project manifest (the list of a job's files, as JSON). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024
/** Largest single rendered frame a coordinator accepts. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024 * 1024
/** Largest result file (a frame or a video) a listing may name. */
export const MAX_RESULT_FILE_BYTES = 1024 * 1024 * 1024 * 1024
/** Files per page of a job's listing: a page stays far below MAX_MESSAGE_BYTES. */
export const MAX_RESULT_PAGE_FILES = 1000

export const HEARTBEAT_INTERVAL_MS = 5_000
export const DEFAULT_NODE_TIMEOUT_MS = 15_000

/** Frames a node shows no work on for this long go to other nodes: longer than a node's own Blender watchdog (10 min). */
export const DEFAULT_FRAME_TAKEBACK_MS = 15 * 60_000
/** How long a peer may take to send the first message of a stream. */
export const FIRST_MESSAGE_TIMEOUT_MS = 10_000

/** A peer that reads none of a reply for this long is cut off: the reply must not wait in memory for ever. */
export const REPLY_WRITE_TIMEOUT_MS = 30_000

/** Uploads of frames run beside rendering; many may be open on one connection. */
export const MAX_INBOUND_STREAMS = 256

/** Largest piece of content: pieceBytesFor doubles 4 MiB until 64 GiB fits MAX_PIECES (8 MiB then); bigger is a peer that lies. */
export const MAX_PIECE_BYTES = 64 * 1024 * 1024
/**
 * A piece's bytes travel in frames of at most this: a frame must fit the
 * receiver's read buffer (@libp2p/utils' lpStream keeps 4 MiB), which a whole
 * 8 MiB piece (content past 32 GiB) overflowed, failing every such transfer.
 */
export const PIECE_FRAME_BYTES = 1024 * 1024

/** Pieces of content, between any two farm members (coordinator and nodes alike); see src/pieces. */
export const PIECES_PROTOCOL = '/microfarm/pieces/2.0.0'
/** A node tells the coordinator what it holds and where it listens, and hears whom to ask. */
export const SWARM_PROTOCOL = '/microfarm/swarm/1.0.0'
