import type { FrameLogEntry } from '../protocol/frame-logs.js'
import type { JobFile } from '../coordinator/api.js'
import type { PickedFrame } from './preview-service.js'

// What the user is doing in the UI: focus, selection, scrolling, the open
// dialog. The controller changes it on keys; the view model reads it.

export type PanelName = 'jobs' | 'nodes' | 'log'
export const PANELS: readonly PanelName[] = ['jobs', 'nodes', 'log']

export interface FormField {
  label: string
  value: string
}

export type Overlay =
  | { kind: 'help' }
  /** y says yes; so do the `alsoYes` keys (q again for quit). */
  | { kind: 'confirm', title: string, text: string[], onYes: () => void, alsoYes?: string[] }
  /** Rejects with what to fix; the form stays open then. */
  | { kind: 'form', title: string, fields: FormField[], index: number, error?: string, busy?: boolean, onSubmit: (values: string[]) => Promise<void> }
  /** `index`: the row the cursor is on, in the order the list shows (see filesInOrder). */
  | { kind: 'files', jobId: string, files?: JobFile[], error?: string, scroll: number, index: number }
  /** `scroll` undefined: at the log's end (where Blender says why it failed). */
  | { kind: 'log', jobId: string, loaded: boolean, entry?: FrameLogEntry, error?: string, scroll?: number }

export interface Status {
  text: string
  level: 'ok' | 'error' | 'info'
}

export interface UiState {
  focus: PanelName
  /** Unset: the view picks the most interesting job (see pickJob). */
  selectedJobId?: string
  /** The node (by name) the node keys act on, picked with j/k while the nodes panel has the focus; unset: the first row. */
  selectedNode?: string
  /** First row shown in the jobs and nodes lists; for the log, lines back from its end (0 = follow). */
  scroll: Record<PanelName, number>
  overlay?: Overlay
  status?: Status
  /** The selected job's frame beside its detail: hidden by v; a frame picked in the files list. */
  preview: { hidden: boolean, picked?: PickedFrame }
}

export function initialUiState (): UiState {
  return { focus: 'jobs', scroll: { jobs: 0, nodes: 0, log: 0 }, preview: { hidden: false } }
}
