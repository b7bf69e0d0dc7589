/** Every key of the UI: the footer shows the short form, the help overlay all of them. */
export interface KeyHelp {
  keys: string
  /** Shown in the footer; help-only keys have none. */
  footer?: string
  help: string
}

export const KEYS: readonly KeyHelp[] = [
  { keys: '?', footer: 'help', help: 'this help (any key closes it)' },
  { keys: 'q', footer: 'quit', help: 'quit; asks first while jobs are queued or active (Ctrl-C too)' },
  { keys: 'j/k', footer: 'select', help: 'up/down or j/k: select a job, or scroll the focused panel' },
  { keys: 'Tab', footer: 'panel', help: 'focus the next panel: jobs, nodes, log (Shift-Tab: back)' },
  { keys: 'n', footer: 'new', help: 'new job: a .blend on this machine, frames, chunk size' },
  { keys: 'p', footer: 'pause', help: 'pause the selected job, or resume it when paused' },
  { keys: 'c', footer: 'cancel', help: 'cancel the selected job (asks first)' },
  { keys: 'a', footer: 'activate', help: 'activate: (re)start a queued, paused, cancelled or failed job' },
  { keys: 'f', footer: 'complete', help: 'force-complete with the frames it has (asks first)' },
  { keys: 'r', footer: 'retry', help: 'render the failed frames again' },
  { keys: 'e', footer: 'encode', help: 'make the video now (again)' },
  { keys: 'd', footer: 'delete', help: 'delete the job with its frames and videos (asks first)' },
  { keys: 'o', footer: 'files', help: 'the selected job\'s frames and videos, with sizes; Enter shows a frame in the preview' },
  { keys: 'l', help: 'Blender\'s output of the selected job\'s frame that failed last (as microfarm log prints it)' },
  { keys: 'D', help: 'nodes panel (Tab to it, j/k to pick a node): drain the node, it finishes what it holds and takes nothing new (asks first)' },
  { keys: 'X', help: 'nodes panel: disable the node, its frames go to others now (asks first)' },
  { keys: 'E', help: 'nodes panel: enable a drained or disabled node again' },
  { keys: 'U', help: 'nodes panel: unblock the node on the selected job (it may render it again)' },
  { keys: 'v', help: 'hide the preview of the selected job\'s latest frame, or show it again' },
  { keys: 'PgUp/PgDn', help: 'move a page in the focused panel' },
  { keys: 'g/G', help: 'first / last row (Home/End); in the log, G follows new lines again' },
  { keys: 'Ctrl-L', help: 'redraw the whole screen' },
  { keys: 'Esc', help: 'close a dialog; in a question, n or Esc says no, y says yes' },
]
