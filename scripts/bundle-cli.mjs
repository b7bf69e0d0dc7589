// `npm run build`, after tsc: the CLI as a few bundled files in dist/bundle/.
// Node 20 loads the ~700 ES modules a client needs (libp2p, noise, yamux,
// zod …) in about 0.35 s; one bundle of them loads in about a third of that,
// which is most of what `microfarm jobs` costs. bin/microfarm uses the bundle
// for the short commands when it is at least as new as dist/cli/main.js. The
// bundler is esbuild (a dev dependency of its own, the one tsx uses too);
// without it there is no bundle, and the launcher runs dist/ as tsc wrote it.
import { rm } from 'node:fs/promises'
import console from 'node:console'
import process from 'node:process'
import { URL } from 'node:url'

const root = new URL('..', import.meta.url)
let esbuild
try {
  esbuild = await import('esbuild')
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err
  console.log('bundle-cli: esbuild is not installed, so no dist/bundle/; bin/microfarm runs dist/ (slower to start)')
  process.exit(0)
}
const outdir = new URL('dist/bundle/', root)
await rm(outdir, { recursive: true, force: true })
await esbuild.build({
  absWorkingDir: new URL('.', root).pathname,
  entryPoints: ['dist/cli/main.js'],
  bundle: true,
  // Each command's module stays a chunk of its own, loaded when the command runs (as in dist/).
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  // blessed reads its terminfo and widgets with require() at run time.
  external: ['blessed'],
  // CommonJS packages inside an ES bundle still call require() for Node's own modules.
  banner: { js: "import { createRequire as __microfarmRequire } from 'node:module'; const require = __microfarmRequire(import.meta.url);" },
  logLevel: 'warning',
})
