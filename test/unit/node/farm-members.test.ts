import test from 'ava'
import { FarmMembers } from '../../../src/node/farm-members.js'

// Which peers a node serves pieces to: the members its coordinator names.

test('a peer that joined just after the last list is served once the coordinator is asked again, not refused', async (t) => {
  let farm = ['holder']
  let asked = 0
  const members = new FarmMembers(async () => { asked++; return farm }, 50)
  t.true(await members.has('holder'), 'the first unknown peer makes the node ask')
  t.is(asked, 1)
  // The late node joins right after that answer: it asks within the refresh interval.
  farm = ['holder', 'late']
  t.true(await members.has('late'))
  t.is(asked, 2)
  t.true(await members.has('late'), 'known now: no question')
  t.is(asked, 2)
})

test('a list sent with another answer counts; a stranger is refused after one question', async (t) => {
  let asked = 0
  const members = new FarmMembers(async () => { asked++; return ['a', 'b'] }, 20)
  members.set(['a'])
  t.true(await members.has('a'))
  t.is(asked, 0)
  t.false(await members.has('stranger'))
  t.true(asked >= 1 && asked <= 2)
})

test('a flood of unknown peers shares the questions: at most one every refresh interval', async (t) => {
  let asked = 0
  const members = new FarmMembers(async () => { asked++; return ['a'] }, 100)
  const started = Date.now()
  const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) => members.has(`peer-${i}`)))
  t.true(answers.every(answer => !answer))
  const elapsed = Date.now() - started
  // Each peer waits for at most two answers; 50 peers at once are a question or two, not 50.
  t.true(asked <= 2, `${asked} questions`)
  t.true(elapsed < 1000, `${elapsed} ms`)
})

test('without a session (no list to ask for) an unknown peer is refused', async (t) => {
  const members = new FarmMembers(async () => undefined, 10)
  t.false(await members.has('x'))
})
