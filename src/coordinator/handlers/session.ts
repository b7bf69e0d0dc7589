import { setImmediate } from 'node:timers/promises'
import type { Connection, Stream } from '@libp2p/interface'
import { FIRST_MESSAGE_TIMEOUT_MS, HEARTBEAT_INTERVAL_MS, PROTOCOL_VERSION, REPLY_WRITE_TIMEOUT_MS } from '../../protocol/constants.js'
import { ProtocolError } from '../../protocol/errors.js'
import { MessageChannel } from '../../protocol/framing.js'
import { nodeToCoordinator } from '../../protocol/messages.js'
import type { CoordinatorToNode, NodeToCoordinator } from '../../protocol/messages.js'
import type { CoordinatorEvents } from '../events.js'
import type { Farm } from '../farm.js'
import { newNodeSession } from '../node-registry.js'
import { errorMessage } from '../../util/error-message.js'
import { RequestClock } from '../dispatch-timing.js'
import type { DispatchTiming } from '../dispatch-timing.js'

export interface SessionContext {
  farm: Farm
  farmName: string
  events: CoordinatorEvents
  timing: DispatchTiming
}

/** One render node's long-lived stream: hello, then heartbeats, work requests and results. */
export async function handleSession (ctx: SessionContext, stream: Stream, connection: Connection): Promise<void> {
  const channel = new MessageChannel<NodeToCoordinator, CoordinatorToNode>(stream)
  const hello = await channel.read(nodeToCoordinator, { signal: AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS) })
  if (hello.type !== 'hello') throw new ProtocolError(`expected hello as the first message, got ${hello.type}`)
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    throw new ProtocolError(`node speaks protocol ${hello.protocolVersion}, this coordinator ${PROTOCOL_VERSION}: run the same MicroFarm version on both`)
  }
  const nodeId = connection.remotePeer.toString()
  // A node that reconnects before its old session timed out replaces it.
  ctx.farm.nodeLeft(nodeId, 'reconnected')

  const requests = new RequestClock(ctx.timing)
  const session = newNodeSession({
    id: nodeId,
    name: hello.name,
    cores: hello.cores,
    blenderVersion: hello.blenderVersion,
    platform: hello.platform,
    ...(hello.device !== undefined ? { device: hello.device } : {}),
    ...(hello.devices !== undefined ? { devices: hello.devices } : {}),
    send: (message: CoordinatorToNode) => {
      // A node that stops reading its session would have our messages pile up in memory: past the deadline it is dropped (it reconnects).
      const written = message.type === 'assign' ? requests.assigning() : undefined
      channel.write(message, { signal: AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS) }).then(written, (err: unknown) => {
        ctx.events.emit({ type: 'warning', message: `could not send ${message.type} to ${hello.name}: ${errorMessage(err)}` })
        stream.abort(new Error(`the node read nothing for ${REPLY_WRITE_TIMEOUT_MS / 1000} s`))
      })
    },
    disconnect: (reason: string) => stream.abort(new Error(reason)),
  })
  ctx.farm.nodeJoined(session)
  session.send({ type: 'welcome', farm: ctx.farmName, nodeId, heartbeatMs: HEARTBEAT_INTERVAL_MS })

  let reason = 'disconnected'
  try {
    while (true) {
      const message = await channel.read(nodeToCoordinator)
      // Any message shows the node is alive, not only heartbeats.
      ctx.farm.heartbeat(nodeId)
      if (message.type === 'request-work') requests.requested(() => { handleMessage(ctx.farm, nodeId, message) })
      else handleMessage(ctx.farm, nodeId, message)
      // Messages that arrived together are read without a pause otherwise: a
      // burst from one peer would keep heartbeats and other peers waiting.
      await setImmediate()
    }
  } catch (err) {
    if (stream.status === 'open' && err instanceof ProtocolError && !/EOF|closed/i.test(err.message)) {
      reason = err.message
      throw err
    }
  } finally {
    ctx.farm.nodeLeft(nodeId, reason, session)
  }
  // The node finished writing: our side ends too, or a half-closed session would stay
  // open until the connection goes (found by the fuzz test). A broken one the guard answers.
  if (stream.status === 'open') await stream.close({ signal: AbortSignal.timeout(2000) }).catch((err: unknown) => { stream.abort(err instanceof Error ? err : new Error(String(err))) })
}

function handleMessage (farm: Farm, nodeId: string, message: NodeToCoordinator): void {
  switch (message.type) {
    case 'hello':
      throw new ProtocolError('hello sent twice')
    case 'heartbeat':
      farm.heartbeat(nodeId)
      return
    case 'request-work':
      farm.requestWork(nodeId)
      return
    case 'frame-failed':
      farm.frameFailed(nodeId, message.jobId, message.frame, message.error, message.log)
      return
    case 'task-finished':
      farm.taskFinished(nodeId, message.taskId)
      return
    case 'scene-info':
      farm.sceneInfo(nodeId, message.taskId, message.jobId, message.info)
      return
    case 'probe-failed':
      farm.probeFailed(nodeId, message.taskId, message.jobId, message.error)
      return
    case 'frame-progress':
      farm.frameProgress(nodeId, message.jobId, message.frame, message.done, message.total)
      return
    case 'frame-started':
      farm.framePhase(nodeId, message.jobId, message.frame, 'rendering')
      return
    case 'frame-rendered':
      if (message.warnings !== undefined) farm.frameWarned(nodeId, message.jobId, message.frame, message.warnings, message.log ?? [])
      farm.framePhase(nodeId, message.jobId, message.frame, 'uploading')
      return
    case 'return-frames':
      farm.framesReturned(nodeId, message.taskId, message.jobId, message.frames)
      return
    case 'schedule':
      farm.nodeSchedule(nodeId, message)
      return
    case 'scene-warnings':
      farm.sceneWarnings(nodeId, message.jobId, message.warnings)
  }
}
