import test from 'ava'
import { DETAIL_INFO_LINES, HEADER_LINES, layout } from '../../../src/tui/layout.js'

const used = (l: ReturnType<typeof layout>): number => HEADER_LINES + 4 + DETAIL_INFO_LINES + 2 + l.nodes + l.jobs + l.mapRows + l.log

test('80x24: every panel gets rows, and they add up to the screen', (t) => {
  const l = layout(24, { nodes: 3, jobs: 5, mapRows: 1 })
  t.true(l.nodes >= 1 && l.jobs >= 2 && l.mapRows === 1 && l.log >= 2, JSON.stringify(l))
  t.is(used(l), 24)
})

test('spare rows go in turn to the panels that can use them; the log takes the rest', (t) => {
  const l = layout(40, { nodes: 2, jobs: 3, mapRows: 2 })
  t.deepEqual({ nodes: l.nodes, jobs: l.jobs, mapRows: l.mapRows }, { nodes: 2, jobs: 3, mapRows: 2 })
  t.is(used(l), 40)
  const busy = layout(40, { nodes: 50, jobs: 50, mapRows: 20 })
  t.true(Math.abs(busy.nodes - busy.jobs) <= 1, JSON.stringify(busy))
  t.true(busy.mapRows <= 6)
  t.is(used(busy), 40)
})

test('a tiny terminal keeps the job list first', (t) => {
  const l = layout(13, { nodes: 3, jobs: 3, mapRows: 1 })
  t.deepEqual(l, { jobs: 2, nodes: 0, mapRows: 0, log: 0 })
})
