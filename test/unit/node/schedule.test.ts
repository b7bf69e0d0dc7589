import test from 'ava'
import { parseSchedule, scheduleAt, ScheduleError } from '../../../src/node/schedule.js'
import { formatUntil } from '../../../src/util/format-until.js'

// Local times: 2026-12-07 is a Monday.
const at = (day: number, h: number, m = 0, s = 0): Date => new Date(2026, 11, 7 + day, h, m, s)
const MON = 0
const FRI = 4
const SAT = 5
const SUN = 6

const farm = parseSchedule('Mon-Fri 19:00-08:00, Sat-Sun')

test('a weekday evening window runs past midnight, and the weekend is whole', t => {
  t.deepEqual(scheduleAt(farm, at(MON, 18, 59, 30)), { inside: false, nextChange: at(MON, 19) })
  t.deepEqual(scheduleAt(farm, at(MON, 19)), { inside: true, nextChange: at(MON + 1, 8) })
  t.deepEqual(scheduleAt(farm, at(MON + 1, 3)), { inside: true, nextChange: at(MON + 1, 8) })
  t.deepEqual(scheduleAt(farm, at(MON + 1, 8)), { inside: false, nextChange: at(MON + 1, 19) })
  // Friday night runs into a weekend that is whole: one window until Monday 00:00.
  t.deepEqual(scheduleAt(farm, at(FRI, 20)), { inside: true, nextChange: at(SUN + 1, 0) })
  t.deepEqual(scheduleAt(farm, at(SAT, 12)), { inside: true, nextChange: at(SUN + 1, 0) })
  // Monday before 08:00 belongs to Sunday's night, which is not in the window (Sunday is, to midnight).
  t.deepEqual(scheduleAt(farm, at(MON, 7)), { inside: false, nextChange: at(MON, 19) })
})

test('a window crossing the end of the week joins its start', t => {
  const s = parseSchedule('Sun 22:00-06:00')
  t.deepEqual(scheduleAt(s, at(SUN, 23)), { inside: true, nextChange: at(SUN + 1, 6) })
  t.deepEqual(scheduleAt(s, at(MON, 5)), { inside: true, nextChange: at(MON, 6) })
  t.deepEqual(scheduleAt(s, at(MON, 6)), { inside: false, nextChange: at(SUN, 22) })
  // Round the week: Sunday 22:00 to Monday 06:00 is one span, no change at midnight.
  const night = parseSchedule('Sun 22:00-24:00, Mon 00:00-06:00')
  t.deepEqual(scheduleAt(night, at(SUN, 23)), { inside: true, nextChange: at(SUN + 1, 6) })
})

test('every day, a day range wrapping the weekend, and the whole week', t => {
  t.deepEqual(scheduleAt(parseSchedule('12:00-13:00'), at(SAT, 12, 30)), { inside: true, nextChange: at(SAT, 13) })
  const wrap = parseSchedule('Fri-Mon')
  t.is(scheduleAt(wrap, at(MON, 10)).inside, true)
  t.is(scheduleAt(wrap, at(MON + 1, 10)).inside, false)
  t.deepEqual(scheduleAt(parseSchedule('Mon-Sun'), at(FRI, 3)), { inside: true })
  t.deepEqual(scheduleAt(parseSchedule('mon-fri 00:00-24:00, SAT-SUN'), at(FRI, 3)), { inside: true })
})

test('bad schedules are refused with how to write them', t => {
  for (const bad of ['', 'Mon-Fri 19:00', 'Moon', 'Mon 25:00-08:00', 'Mon 10:00-10:00', 'Mon 24:00-08:00', 'Mon-Fri 19:00-08:00,', 'Mon 9-17']) {
    const error = t.throws(() => parseSchedule(bad), { instanceOf: ScheduleError })
    t.regex(error.message, /Mon-Fri 19:00-08:00, Sat-Sun/, bad)
  }
})

test('until is the time today, the weekday within a week, else the date', t => {
  t.is(formatUntil(at(MON, 19), at(MON, 9)), '19:00')
  t.is(formatUntil(at(SUN + 1, 0), at(FRI, 20)), 'Mon 00:00')
  t.is(formatUntil(at(14, 8, 5), at(MON, 9)), '2026-12-21 08:05')
})
