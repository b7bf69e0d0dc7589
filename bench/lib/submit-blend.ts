import path from 'node:path'
import type { CoordinatorClient, SubmitResult } from '../../src/client/coordinator-client.js'
import type { SubmitRequest } from '../../src/protocol/messages.js'
import { blendOnlyProject } from '../../src/project/local-project.js'

/** Submits a .blend that needs no other file, as `submit --no-deps` does. */
export async function submitBlend (client: CoordinatorClient, blendPath: string, settings: Omit<SubmitRequest, 'type' | 'project'>): Promise<SubmitResult> {
  return client.submit(await blendOnlyProject(blendPath, path.basename(blendPath)), settings)
}
