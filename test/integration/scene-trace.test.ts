import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import type { TraceOutput } from '../../src/blender/dependencies.js'
import { BlenderError } from '../../src/blender/errors.js'
import type { BlenderInstall } from '../../src/blender/find-blender.js'
import { traceScene } from '../../src/blender/scene-trace.js'
import type { FrameSpan } from '../../src/blender/scene-trace.js'
import { blenderTest } from '../helpers/blender.js'
import { makeProject } from '../helpers/projects.js'
import type { ProjectKind } from '../helpers/projects.js'
import { tempFolder } from '../helpers/temp-folder.js'

interface Expected {
  /** Existing files the trace must list, relative to the project's root folder. */
  files: string[]
  missing?: string[]
  kinds: string[]
  frames?: FrameSpan
  pythonDrivers?: number
  frameEnd?: number
}

const seq = (numbers: number[]): string[] => numbers.map((n) => `project/textures/seq/tex_${String(n).padStart(4, '0')}.png`)
const cloth = [1, 2, 3, 4, 5].map((n) => `project/shots/blendcache_pointcache/436C6F7468_00000${n}_00.bphys`)

const EXPECTED: Record<ProjectKind, Expected> = {
  texture: { files: ['project/textures/checker.png'], kinds: ['image'], pythonDrivers: 1 },
  absolute: { files: ['assets/wood.png'], kinds: ['image'] },
  library: { files: ['project/libs/prop.blend', 'project/libs/tex/prop.png'], kinds: ['image', 'library'] },
  'library-nested': {
    files: ['project/libs/a.blend', 'project/libs/tex/a.png', 'project/libs/deeper/b.blend', 'project/libs/deeper/tex/b.png'],
    kinds: ['image', 'library'],
  },
  'library-above': { files: ['shared/lib.blend', 'shared/tex/shared.png'], kinds: ['image', 'library'] },
  udim: { files: ['project/textures/tile.1001.png', 'project/textures/tile.1002.png'], kinds: ['udim'] },
  // Scene frame N shows tex_<N + 2>: frames 3..5 need three of the ten files.
  sequence: { files: seq([5, 6, 7]), kinds: ['image-sequence'], frames: { start: 3, end: 5 }, frameEnd: 8 },
  strip: { files: [1, 2, 3, 4].map((n) => `project/strips/strip_00${n}.png`), kinds: ['strip'], frameEnd: 4 },
  font: { files: ['project/fonts/DejaVuSans.ttf'], kinds: ['font'] },
  pointcache: { files: cloth, kinds: ['point-cache'], frameEnd: 5 },
  all: {
    files: [
      'project/textures/checker.png', 'assets/wood.png', 'project/libs/prop.blend', 'project/libs/tex/prop.png',
      'project/textures/tile.1001.png', 'project/textures/tile.1002.png',
      // Frames before the image user's start clamp to its first frame: -1 and 0 show tex_0002, 1 shows tex_0003.
      ...seq([2, 3]),
    ],
    kinds: ['image', 'image-sequence', 'library', 'udim'],
    frames: { start: -1, end: 1 },
    pythonDrivers: 1,
    frameEnd: 8,
  },
  missing: { files: [], missing: ['project/textures/nonexistent.png'], kinds: ['image'] },
}

function sorted (paths: Iterable<string>): string[] {
  return [...new Set(paths)].sort()
}

function checkTrace (t: ExecutionContext, trace: TraceOutput, root: string, blend: string, expected: Expected): void {
  const abs = (rel: string): string => path.join(root, rel)
  t.deepEqual(sorted(trace.references.flatMap((r) => r.files)), sorted(expected.files.map(abs)))
  t.deepEqual(sorted(trace.references.flatMap((r) => r.missing)), sorted((expected.missing ?? []).map(abs)))
  t.deepEqual(sorted(trace.references.map((r) => r.kind)), expected.kinds)
  t.is(trace.filepath, blend)
  t.is(trace.blender.split(' ')[0]?.length !== 0, true)
  t.is(trace.pythonDrivers, expected.pythonDrivers ?? 0)
  t.deepEqual(trace.scene, {
    frameStart: 1, frameEnd: expected.frameEnd ?? 1, frameStep: 1, fps: 24, resolutionX: 64, resolutionY: 48,
    resolutionPercentage: 100, fileFormat: 'PNG', engine: 'CYCLES', hasCamera: true, cropToBorder: false,
  })
}

async function traceKind (t: ExecutionContext, blender: BlenderInstall, kind: ProjectKind): Promise<TraceOutput> {
  const project = await makeProject(await tempFolder(t, `mf-trace-${kind}-`), kind)
  const expected = EXPECTED[kind]
  const trace = await traceScene(blender, project.blend, expected.frames != null ? { frames: expected.frames } : {})
  checkTrace(t, trace, project.root, project.blend, expected)
  return trace
}

for (const kind of Object.keys(EXPECTED) as ProjectKind[]) {
  blenderTest(`trace: ${kind} lists exactly the files the scene needs`, async (t, blender) => {
    await traceKind(t, blender, kind)
  })
}

blenderTest('trace: library paths stay as each .blend stores them, with the library that holds them', async (t, blender) => {
  const trace = await traceKind(t, blender, 'library-nested')
  const byOwner = new Map(trace.references.map((r) => [r.owner, r]))
  const a = byOwner.get("library 'a.blend'")
  t.is(a?.stored, '//../libs/a.blend')
  t.is(a?.library, null)
  // b.blend is linked by a.blend, relative to it (Blender shows it rebased onto the main file).
  t.is(byOwner.get("library 'b.blend'")?.stored, '//deeper/b.blend')
  t.is(byOwner.get("library 'b.blend'")?.library, a?.resolved)
  t.is(byOwner.get("image 'PropB'")?.stored, '//tex/b.png')
  t.is(byOwner.get("image 'PropB'")?.library, byOwner.get("library 'b.blend'")?.resolved)
})

blenderTest('trace: the UDIM reference keeps its template, the scene range is the default', async (t, blender) => {
  const trace = await traceKind(t, blender, 'udim')
  t.is(trace.references[0]?.stored, '//../textures/tile.<UDIM>.png')
  t.regex(trace.references[0]?.resolved ?? '', /\/project\/textures\/tile\.<UDIM>\.png$/)
})

blenderTest('trace: a file that is not a .blend is a BlenderError saying so', async (t, blender) => {
  const bad = path.join(await tempFolder(t, 'mf-trace-bad-'), 'broken.blend')
  await writeFile(bad, 'BLENDER-v304 but nothing after it')
  await t.throwsAsync(traceScene(blender, bad), { instanceOf: BlenderError, message: /could not list the files .*broken\.blend needs: Failed to read blend file .*Missing DNA block/ })
  await t.throwsAsync(traceScene(blender, path.join(path.dirname(bad), 'gone.blend')), { instanceOf: BlenderError, message: /Cannot read file/ })
})

blenderTest('trace: with a frame list (--frames 1-7x6) only the sequence files of those frames travel', async (t, blender) => {
  const project = await makeProject(await tempFolder(t, 'mf-trace-list-'), 'sequence')
  const trace = await traceScene(blender, project.blend, { frames: { start: 1, end: 7, list: [1, 7] } })
  // Frame N shows tex_<N + 2>.
  t.deepEqual(sorted(trace.references.flatMap((r) => r.files)), sorted(seq([3, 9]).map((rel) => path.join(project.root, rel))))
})
