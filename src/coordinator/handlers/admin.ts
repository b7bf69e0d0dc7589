import type { Stream } from '@libp2p/interface'
import { FIRST_MESSAGE_TIMEOUT_MS, REPLY_WRITE_TIMEOUT_MS } from '../../protocol/constants.js'
import { MessageChannel } from '../../protocol/framing.js'
import { adminRequest } from '../../protocol/messages.js'
import type { AdminReply, AdminRequest } from '../../protocol/messages.js'
import type { CoordinatorApi } from '../api.js'
import type { Caller } from '../ownership.js'
import { errorMessage } from '../../util/error-message.js'

/** `microfarm jobs`, `cancel`, … : one request, one reply, through the same API the UI uses. */
export async function handleAdmin (api: CoordinatorApi, stream: Stream, callerOf: () => Caller): Promise<void> {
  const channel = new MessageChannel<AdminRequest, AdminReply>(stream)
  const request = await channel.read(adminRequest, { signal: AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS) })
  // A peer that never reads its answer must not keep it in memory: the write has a deadline.
  await channel.write(await answer(api, request, callerOf), { signal: AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS) })
  await stream.close()
}

/** `callerOf` is asked once the request is read: who may not ask at all gets an answer too. */
async function answer (api: CoordinatorApi, request: AdminRequest, callerOf: () => Caller): Promise<AdminReply> {
  try {
    const caller = callerOf()
    switch (request.type) {
      case 'list-jobs':
        return { type: 'jobs', jobs: api.listJobs() }
      case 'clear-jobs':
        return { type: 'done', message: await api.clearCompleted(caller) }
      case 'job-action': {
        const message = await api.jobAction(request.jobId, request.action, request.encode, caller)
        const job = api.listJobs().find(summary => summary.id === request.jobId)
        return { type: 'done', message, ...(job !== undefined ? { job } : {}) }
      }
      case 'admins':
        return { type: 'done', message: await api.adminsAction(request.action, request.who, caller) }
      case 'list-nodes':
        return { type: 'nodes', nodes: api.listNodes() }
      case 'node-state':
        return { type: 'done', message: await api.nodeState(request.node, request.state, caller) }
      case 'frame-log':
        return await api.frameLog(request.jobId, request.frame, request.all)
      case 'unblock':
        if (request.all !== true && request.node === undefined) return { type: 'error', message: 'say which node to unblock, or all of them' }
        return { type: 'done', message: await api.unblock(request.jobId, request.all === true ? undefined : request.node, caller) }
    }
  } catch (err) {
    // A control that does not fit is the user's error, not the stream's: answer it.
    return { type: 'error', message: errorMessage(err) }
  }
}
