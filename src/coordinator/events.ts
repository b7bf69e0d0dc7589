import { EventEmitter } from 'node:events'
import type { DispatchStats } from './dispatch-timing.js'

/** Everything the coordinator reports: one source for the terminal UI and the headless log. */
export type CoordinatorEvent =
  | { type: 'listening', addresses: string[], peerId: string, farm: string }
  | { type: 'node-joined', nodeId: string, name: string, blenderVersion: string, cores: number }
  | { type: 'node-left', nodeId: string, name: string, reason: string, requeued: number }
  /** A node with --schedule went to sleep or woke up; `until`: when that changes next (ms), absent when never. */
  | { type: 'node-schedule', nodeId: string, name: string, window: string, sleeping: boolean, until?: number }
  /** `still`: a tiled still's frame; `frames` then counts its tiles. */
  | { type: 'job-created', jobId: string, name: string, frames: number, range: string, still?: number }
  | { type: 'job-state', jobId: string, state: string, message: string }
  | { type: 'task-assigned', jobId: string, nodeName: string, frames: number[], kind: 'render' | 'probe', still?: number }
  | { type: 'frame-progress', jobId: string, frame: number, nodeName: string, fraction: number }
  /** `still`: the record is a tile (its index is `frame`) of this still frame; done and total count tiles. */
  | { type: 'frame-done', jobId: string, frame: number, nodeName: string, done: number, total: number, seconds?: number, still?: number }
  | { type: 'frame-failed', jobId: string, frame: number, nodeName: string, error: string, willRetry: boolean, still?: number }
  | { type: 'node-blocklisted', jobId: string, nodeName: string, reason: string }
  | { type: 'job-completed', jobId: string, name: string, missing: number }
  | { type: 'job-failed', jobId: string, error: string }
  /** `video`: the file name of the video made (state done); `error`: why it failed (state failed). */
  | { type: 'encode', jobId: string, state: string, message: string, video?: string, error?: string }
  /** A tiled still's tiles were stitched (`file`: its name in the job's folder), or could not be. */
  | { type: 'stitch', jobId: string, frame: number, state: 'done' | 'failed', message: string, file?: string, error?: string }
  | { type: 'peer-error', peer: string, protocol: string, error: string }
  | { type: 'warning', message: string }
  /** A node has a job's content, verified: how much came from the coordinator and from each peer (by name). */
  | { type: 'content-fetched', nodeName: string, sha256: string, size: number, seconds: number, fromCoordinator: number, fromPeers: Array<{ name: string, bytes: number }> }
  /** A node got a piece whose hash did not match from a peer: that peer is no source of the content any more. */
  | { type: 'bad-piece', reporter: string, culprit: string, sha256: string, index: number }
  /** Every --stats-interval with requests: how fast the coordinator answered them (see dispatch-timing.ts). */
  | { type: 'dispatch-stats', stats: DispatchStats }
  /** The output folder's disk filled up (said once), or has room again. */
  | { type: 'disk', full: boolean, message: string }

export type CoordinatorEventType = CoordinatorEvent['type']

export class CoordinatorEvents {
  private readonly emitter = new EventEmitter()

  emit (event: CoordinatorEvent): void {
    this.emitter.emit('event', event)
  }

  /** How many listen (a watch that ended must not be one of them). */
  listeners (): number {
    return this.emitter.listenerCount('event')
  }

  on (listener: (event: CoordinatorEvent) => void): () => void {
    this.emitter.on('event', listener)
    return () => this.emitter.off('event', listener)
  }
}
