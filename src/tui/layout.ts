// Where each panel goes on a screen of a given height. Every panel has a title
// line; the job detail has three info lines under its frame map.

export const HEADER_LINES = 2
export const DETAIL_INFO_LINES = 3
export const MAX_MAP_ROWS = 6
const FIXED = HEADER_LINES + 4 /* titles */ + DETAIL_INFO_LINES + 2 /* status, footer */

export interface LayoutNeeds {
  nodes: number
  jobs: number
  mapRows: number
}

export interface Layout {
  nodes: number
  jobs: number
  mapRows: number
  log: number
}

/**
 * Rows for each list: first a minimum each (jobs, then log, nodes, map when the
 * screen is tiny), then one row at a time, in turn, to every panel that can
 * show more; the log takes what is left.
 */
export function layout (height: number, needs: LayoutNeeds): Layout {
  let free = Math.max(0, height - FIXED)
  const rows: Layout = { nodes: 0, jobs: 0, mapRows: 0, log: 0 }
  const minimum: Array<[keyof Layout, number]> = [['jobs', 2], ['log', 2], ['nodes', 1], ['mapRows', 1]]
  for (const [panel, min] of minimum) {
    const given = Math.min(min, free)
    rows[panel] += given
    free -= given
  }
  const wants = (panel: keyof Layout): boolean => panel === 'log' || rows[panel] < (panel === 'mapRows' ? Math.min(needs.mapRows, MAX_MAP_ROWS) : needs[panel])
  const order: Array<keyof Layout> = ['jobs', 'nodes', 'mapRows', 'log']
  while (free > 0) {
    for (const panel of order) {
      if (free > 0 && wants(panel)) {
        rows[panel]++
        free--
      }
    }
  }
  return rows
}
