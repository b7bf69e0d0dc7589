// A small seeded PRNG (mulberry32) for fuzz tests: the same seed gives the
// same choices, so a failing run is replayed from the seed it printed.

export class SeededRandom {
  private state: number

  constructor (readonly seed: number) {
    this.state = seed >>> 0
  }

  /** A seed from the environment variable `name` when set (to replay a run), else a fresh one. */
  static seedFrom (name: string): number {
    const given = process.env[name]
    if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 32)
    const seed = Number(given)
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`${name} must be an integer from 0 to 2^32-1, not ${given}`)
    return seed
  }

  /** In [0, 1). */
  next (): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let z = this.state
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32
  }

  /** An integer from `min` to `max`, both included. */
  int (min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance (p: number): boolean {
    return this.next() < p
  }

  pick<T> (items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[this.int(0, items.length - 1)] as T
  }

  /** One of `choices`, each as likely as its weight. */
  weighted<T> (choices: ReadonlyArray<readonly [number, T]>): T {
    let left = this.next() * choices.reduce((sum, [weight]) => sum + weight, 0)
    for (const [weight, value] of choices) {
      left -= weight
      if (left < 0) return value
    }
    return (choices[choices.length - 1] as readonly [number, T])[1]
  }

  bytes (length: number): Uint8Array {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255)
    return out
  }

  /** A generator of its own, seeded from this one: one per parallel peer keeps each peer's choices replayable. */
  fork (): SeededRandom {
    return new SeededRandom(this.int(0, 2 ** 32 - 1))
  }
}
