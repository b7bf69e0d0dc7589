import { z } from 'zod'
import { MAX_PIECE_BYTES, MAX_SHORT_TEXT } from './constants.js'
import { errorText } from './messages.js'
import { sha256 } from './project.js'

// Wire format of the piece exchange (/microfarm/pieces/2.0.0, between any two
// farm members) and of the swarm protocol (/microfarm/swarm/1.0.0, a node and
// its coordinator). A piece's bytes travel as length-prefixed frames of at most
// PIECE_FRAME_BYTES right after its 'piece' header, which says how many bytes
// follow; one stream carries many requests in turn.

/** Pieces of the biggest content: 64 GiB in 8 MiB pieces (see pieces.ts MAX_PIECES). */
const MAX_PIECES = 8192
/** A bitfield of MAX_PIECES, in base64. */
const bitfield = z.string().max(Math.ceil(MAX_PIECES / 8 / 3) * 4 + 4).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64')
const peerId = z.string().min(1).max(100).regex(/^[1-9A-HJ-NP-Za-km-z]+$/, 'a peer id')
const address = z.string().min(1).max(MAX_SHORT_TEXT)
const pieceIndex = z.number().int().nonnegative().max(MAX_PIECES - 1)

export const pieceRequest = z.discriminatedUnion('type', [
  /** The piece hashes: asked of the coordinator only (it computed them from the whole file). */
  z.object({ type: z.literal('get-piece-list'), sha256 }),
  z.object({ type: z.literal('get-piece'), sha256, index: pieceIndex }),
  /** The coordinator picks a piece the asker lacks: what it sent least often (see HolderTable.pickSeed). */
  z.object({ type: z.literal('get-any-piece'), sha256, skip: bitfield }),
])
export type PieceRequest = z.infer<typeof pieceRequest>

export const pieceReply = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('piece-list'),
    sha256,
    size: z.number().int().nonnegative(),
    pieceBytes: z.number().int().positive().max(1024 * 1024 * 1024),
    pieces: z.array(sha256).max(MAX_PIECES),
  }),
  /** Its `bytes` follow in frames of at most PIECE_FRAME_BYTES (see PieceChannel). */
  z.object({ type: z.literal('piece'), sha256, index: pieceIndex, bytes: z.number().int().positive().max(MAX_PIECE_BYTES) }),
  /** Serving as many as it will (a node rendering is not starved): ask someone else. */
  z.object({ type: z.literal('busy') }),
  /** Not held (any more): ask someone else. */
  z.object({ type: z.literal('missing') }),
  z.object({ type: z.literal('error'), message: errorText }),
])
export type PieceReply = z.infer<typeof pieceReply>

export const swarmPeer = z.object({ peerId, addresses: z.array(address).max(16), have: bitfield })
export type SwarmPeer = z.infer<typeof swarmPeer>

export const swarmRequest = z.discriminatedUnion('type', [
  /** What this node holds of a content (complete or not) and where it listens; answered with peers. */
  z.object({
    type: z.literal('announce'),
    sha256,
    pieces: z.number().int().nonnegative().max(MAX_PIECES),
    addresses: z.array(address).max(16),
    have: bitfield,
    /** Bytes of it that came from peers so far (for the farm's views). */
    fromPeers: z.number().int().nonnegative().optional(),
    /** False: what the node holds from before (told at each session), not a fetch under way; views show no fetch. */
    fetching: z.boolean().optional(),
  }),
  /** The farm's members: the peers this node may serve. */
  z.object({ type: z.literal('members') }),
  z.object({ type: z.literal('bad-piece'), sha256, peerId, index: pieceIndex }),
  /** A content is here, verified: how much came from whom. */
  z.object({
    type: z.literal('fetched'),
    sha256,
    size: z.number().int().nonnegative(),
    fromCoordinator: z.number().int().nonnegative(),
    fromPeers: z.array(z.object({ peerId, bytes: z.number().int().nonnegative() })).max(256),
    seconds: z.number().nonnegative(),
  }),
])
export type SwarmRequest = z.infer<typeof swarmRequest>

export const swarmReply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('peers'), peers: z.array(swarmPeer).max(64), members: z.array(peerId).max(10_000) }),
  z.object({ type: z.literal('members'), members: z.array(peerId).max(10_000) }),
  z.object({ type: z.literal('ok') }),
  z.object({ type: z.literal('error'), message: errorText }),
])
export type SwarmReply = z.infer<typeof swarmReply>
