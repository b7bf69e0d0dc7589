import test from 'ava'
import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../../../src/pieces/pieces.js'
import { InOrderHash } from '../../../src/pieces/whole-hash.js'

const PIECE = 100

test('pieces held in any order make the whole hash, each hashed once', async (t) => {
  const bytes = randomBytes(5 * PIECE - 30)
  const piece = (i: number): Buffer => bytes.subarray(i * PIECE, (i + 1) * PIECE)
  const held = new Set<number>()
  const readBack: number[] = []
  const whole = new InOrderHash(5, (i) => held.has(i), async (i) => { readBack.push(i); return piece(i) }, (err) => t.fail(err.message))
  for (const i of [3, 1, 0, 4, 2]) {
    held.add(i)
    whole.add(i, piece(i))
  }
  t.is(await whole.digest(), sha256Hex(bytes))
  t.true(readBack.length < 5, 'the piece that completes a run is hashed from memory')
})

test('a piece that cannot be read back is reported, not thrown unobserved', async (t) => {
  const held = new Set([0, 1])
  const errors: string[] = []
  const whole = new InOrderHash(2, (i) => held.has(i), async () => { throw new Error('EIO') }, (err) => errors.push(err.message))
  whole.add(0, Buffer.from('a'))
  await whole.digest()
  t.deepEqual(errors, ['EIO'])
})
