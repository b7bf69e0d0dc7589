import type { SceneInfoMessage, SubmitRequest } from '../../src/protocol/messages.js'
import { createJob } from '../../src/jobs/create-job.js'
import type { Job } from '../../src/jobs/job.js'
import type { ProjectManifest } from '../../src/protocol/project.js'

/** The project of a job whose .blend needs no other file. */
export function projectManifest (overrides: Partial<ProjectManifest> = {}): ProjectManifest {
  return { version: 1, main: 'scene.blend', files: [{ path: 'scene.blend', sha256: 'a'.repeat(64), size: 1024 }], remap: [], missing: [], ...overrides }
}

/** A valid submit request; override what a test is about. */
export function submitRequest (overrides: Partial<SubmitRequest> = {}): SubmitRequest {
  return {
    type: 'submit',
    name: 'scene.blend',
    project: { sha256: 'b'.repeat(64), size: 200 },
    frames: '1-10',
    chunk: 2,
    format: 'PNG',
    priority: 0,
    encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
    ...overrides,
  }
}

/** What a node reports after reading a scene. */
export function sceneInfo (overrides: Partial<SceneInfoMessage> = {}): SceneInfoMessage {
  return {
    frameStart: 1,
    frameEnd: 5,
    frameStep: 1,
    fps: 24,
    resolutionX: 1920,
    resolutionY: 1080,
    resolutionPercentage: 100,
    fileFormat: 'PNG',
    engine: 'CYCLES',
    hasCamera: true,
    ...overrides,
  }
}

/** A fixed point in time; `seconds` later for ordering. */
export function at (seconds = 0): Date {
  return new Date(Date.UTC(2026, 10, 1, 12, 0, seconds))
}

export function makeJob (id: string, overrides: Partial<SubmitRequest> = {}, createdAt = at()): Job {
  return createJob(id, submitRequest(overrides), projectManifest(), createdAt)
}
