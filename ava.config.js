// Tests run from TypeScript through tsx; worker threads are off because tsx
// cannot hook module loading inside them (ERR_UNKNOWN_FILE_EXTENSION).
// The polyfill goes first: libp2p needs Promise.withResolvers, which Node 20 lacks.
export default {
  files: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx', '--import=./src/polyfill.ts'],
  workerThreads: false,
  timeout: '3m',
  // Integration tests start real processes on a 2-core machine: keep them few at once.
  concurrency: 2,
}
