// When a polite node may render: `--schedule "Mon-Fri 19:00-08:00, Sat-Sun"`.
// Pure: parsed once, then asked with the node's one clock. Times are the
// node's local time (an artist's desktop is free at night where it stands);
// a window that ends before it starts runs past midnight into the next day,
// so "Fri 19:00-08:00" ends on Saturday morning.

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
const DAY_MINUTES = 24 * 60
const WEEK_MINUTES = 7 * DAY_MINUTES

/** A weekly window as sorted, disjoint [start, end) spans of minutes from Monday 00:00 (end may pass the week's end). */
export interface Schedule {
  /** As the user wrote it, for messages. */
  readonly text: string
  readonly spans: ReadonlyArray<readonly [number, number]>
}

export interface ScheduleState {
  inside: boolean
  /** When `inside` changes next; undefined when the window is the whole week. */
  nextChange?: Date
}

export class ScheduleError extends Error {
  override name = 'ScheduleError'
}

const HELP = 'write it like "Mon-Fri 19:00-08:00, Sat-Sun" (days Mon…Sun, a day range, an optional HH:MM-HH:MM that may run past midnight; entries separated by commas)'

/** Parses a schedule; throws ScheduleError saying what is wrong and how to write it. */
export function parseSchedule (text: string): Schedule {
  const entries = text.split(',').map(entry => entry.trim())
  if (entries.length === 0 || entries.some(entry => entry === '')) throw new ScheduleError(`--schedule "${text}": an empty entry; ${HELP}`)
  const spans = entries.flatMap(entry => parseEntry(entry, text))
  return { text: text.trim(), spans: merge(spans) }
}

function parseEntry (entry: string, text: string): Array<[number, number]> {
  const match = /^(?:([a-z]{3})(?:\s*-\s*([a-z]{3}))?)?\s*(?:(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2}))?$/i.exec(entry)
  if (match === null || (match[1] === undefined && match[3] === undefined)) throw new ScheduleError(`--schedule "${text}": cannot read "${entry}"; ${HELP}`)
  const [, from, to, h1, m1, h2, m2] = match
  const days = from === undefined ? [0, 1, 2, 3, 4, 5, 6] : dayRange(from, to ?? from, text)
  let start = 0
  let end = DAY_MINUTES
  if (h1 !== undefined) {
    start = minutes(h1, m1, entry, text, false)
    end = minutes(h2, m2, entry, text, true)
    if (start === end) throw new ScheduleError(`--schedule "${text}": "${entry}" starts and ends at the same time; ${HELP}`)
    // Ends before it starts: runs past midnight into the next day.
    if (end < start) end += DAY_MINUTES
  }
  return days.map(day => [day * DAY_MINUTES + start, day * DAY_MINUTES + end])
}

function dayRange (from: string, to: string, text: string): number[] {
  const first = dayIndex(from, text)
  const last = dayIndex(to, text)
  // "Fri-Mon" wraps over the weekend.
  const count = ((last - first + 7) % 7) + 1
  return Array.from({ length: count }, (_, i) => (first + i) % 7)
}

function dayIndex (name: string, text: string): number {
  const index = DAYS.indexOf(name.toLowerCase() as typeof DAYS[number])
  if (index < 0) throw new ScheduleError(`--schedule "${text}": "${name}" is not a day; ${HELP}`)
  return index
}

function minutes (hours: string | undefined, mins: string | undefined, entry: string, text: string, isEnd: boolean): number {
  const h = Number(hours)
  const m = Number(mins)
  // 24:00 closes a day; it opens none.
  const valid = m < 60 && (h < 24 || (isEnd && h === 24 && m === 0))
  if (!valid) throw new ScheduleError(`--schedule "${text}": "${entry}" has no such time of day; ${HELP}`)
  return h * 60 + m
}

/** Sorted, overlapping or touching spans joined; spans past the week's end also cover its start. */
function merge (spans: Array<[number, number]>): Array<[number, number]> {
  const folded = spans.flatMap(([start, end]): Array<[number, number]> =>
    end > WEEK_MINUTES ? [[start, WEEK_MINUTES], [0, end - WEEK_MINUTES]] : [[start, end]])
  folded.sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const [start, end] of folded) {
    const last = merged[merged.length - 1]
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }
  return merged
}

/** Whether `now` (local time) is inside the window, and when that changes next. */
export function scheduleAt (schedule: Schedule, now: Date): ScheduleState {
  const spans = schedule.spans
  if (spans.length === 1 && spans[0]?.[0] === 0 && spans[0][1] === WEEK_MINUTES) return { inside: true }
  const day = (now.getDay() + 6) % 7
  const minute = day * DAY_MINUTES + now.getHours() * 60 + now.getMinutes()
  const inside = spans.some(([start, end]) => minute >= start && minute < end)
  // The next boundary after this minute, going round the week; a span that ends
  // at the week's end and one that starts at its start are one (no change there).
  const boundaries = spans.flatMap(([start, end]) => [start, end])
    .filter(b => !(b === WEEK_MINUTES && spans[0]?.[0] === 0) && !(b === 0 && spans[spans.length - 1]?.[1] === WEEK_MINUTES))
  const ahead = boundaries.map(b => ((b - minute + WEEK_MINUTES - 1) % WEEK_MINUTES) + 1)
  const delta = Math.min(...ahead)
  const target = minute + delta
  // Built from local fields, not by adding milliseconds: 19:00 stays 19:00 across a change of daylight saving time.
  const dayOffset = Math.floor(target / DAY_MINUTES) - day
  const ofDay = target % DAY_MINUTES
  const nextChange = new Date(now.getFullYear(), now.getMonth(), now.getDate() + dayOffset, Math.floor(ofDay / 60), ofDay % 60, 0, 0)
  return { inside, nextChange }
}
