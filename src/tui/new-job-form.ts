import { parseFrameList } from '../jobs/frame-range.js'
import type { Overlay } from './ui-state.js'

export type SubmitFile = (path: string, options: { frames?: string, chunk: number }) => Promise<void>

/** `n`: a .blend on the coordinator's machine, its frames (empty: the scene's own range) and the chunk size. */
export function newJobForm (submit: SubmitFile): Extract<Overlay, { kind: 'form' }> {
  return {
    kind: 'form',
    title: 'New job',
    index: 0,
    fields: [
      { label: '.blend file on this machine (path)', value: '' },
      { label: 'frames, like 1-250 or 1-100,120 (empty: the scene\'s own range)', value: '' },
      { label: 'chunk: frames per task', value: '1' },
    ],
    onSubmit: async (values) => {
      const [path = '', frames = '', chunk = ''] = values.map(value => value.trim())
      if (path === '') throw new Error('type the path of a .blend file on this machine')
      if (!/^[0-9]+$/.test(chunk) || Number(chunk) < 1) throw new Error('chunk: a whole number of frames per task, 1 or more')
      if (frames !== '') parseFrameList(frames)
      await submit(path, { chunk: Number(chunk), ...(frames !== '' ? { frames } : {}) })
    },
  }
}
