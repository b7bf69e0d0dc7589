import v8 from 'node:v8'

/**
 * The coordinator collects garbage sooner than V8 would by default: on a
 * machine with plenty of memory V8 lets the heap grow several times past
 * what is live, and every Buffer a dead message held (noise frames, yamux
 * chunks, manifests being written) stays allocated until then. Measured
 * with 200 simulated nodes and 20 000 frames (bench soak, and 150 s of 4 jobs
 * of 5000 frames): peak RSS 310–320 MB by default, 200–220 MB with the heap
 * allowed to grow by 20–50 % between collections, at no CPU cost we could
 * tell from the noise. V8 reads this flag when it sizes the heap, so setting
 * it at start-up is enough.
 */
const HEAP_GROWING_PERCENT = 30

export function keepHeapSmall (): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}
