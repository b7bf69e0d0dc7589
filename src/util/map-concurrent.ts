/**
 * Runs `work` on every item, at most `concurrency` at once. The first failure
 * aborts `stop` (so work in flight can give up early: pass its signal on),
 * no new item starts, and that failure is thrown once the others settled.
 */
export async function mapConcurrent<T> (items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>, stop: AbortController = new AbortController()): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length && failure === undefined; i = next++) {
      try {
        await work(items[i] as T, i)
      } catch (error) {
        failure ??= { error }
        stop.abort(error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  if (failure !== undefined) throw failure.error
}
