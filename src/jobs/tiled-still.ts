import { outputSize } from '../encode/image-header.js'
import type { SceneInfoMessage, SubmitRequest } from '../protocol/messages.js'
import type { BorderFractions, TilePlan } from './tiles.js'
import { autoGrid, planTiles, TileSpecError } from './tiles.js'
import { parseFrameList } from './frame-range.js'
import type { JobView, TiledStill } from './job.js'
import { frameNumbers } from './job.js'

// What a job of tiles is, as the rest of the farm asks it: which still it
// makes, which tiles it has, where each tile lies. Pure.

/**
 * The tiled still a submit asks for, or undefined when it asks for none.
 * Throws TileSpecError for a request the farm cannot make into one still:
 * more than one frame, a format the stitcher cannot write, a grid that does
 * not fit the image. `--tiles auto` is sized by the nodes online now.
 */
export function tiledStillFor (request: Pick<SubmitRequest, 'tiles' | 'frames' | 'format' | 'sceneInfo'>, onlineNodes: number): TiledStill | undefined {
  const { tiles } = request
  if (tiles === undefined) return undefined
  const frame = stillFrame(request)
  const info = request.sceneInfo
  let grid = tiles.grid
  if (grid === 'auto') {
    if (info === undefined) throw new TileSpecError('--tiles auto needs the scene\'s resolution, which the submitting machine\'s Blender reads: give a grid (--tiles 4x4), or submit where Blender is installed')
    grid = autoGrid(outputSize(info), onlineNodes)
  }
  const still: TiledStill = { frame, columns: grid.columns, rows: grid.rows, overscan: tiles.overscan, stitch: 'none' }
  // Checked now when the size is known (else once a node read the scene): a grid that does not fit is refused before any bytes move.
  if (info !== undefined) checkTileable(still, info)
  return still
}

/** The one frame a tiled submit renders; TileSpecError for more than one, or a format the stitcher cannot write. */
export function stillFrame (request: Pick<SubmitRequest, 'frames' | 'format'>): number {
  const frames = request.frames !== undefined ? parseFrameList(request.frames) : []
  if (frames.length !== 1) throw new TileSpecError('--tiles renders one still: give its frame with --frames N (for example --frames 12)')
  if (request.format !== 'PNG') throw new TileSpecError(`--tiles: the coordinator stitches PNG tiles only (it cannot write ${request.format} yet); render the still with --format PNG`)
  return frames[0] as number
}

/** Throws TileSpecError when the scene cannot be rendered as this still's tiles. */
export function checkTileable (still: TiledStill, info: SceneInfoMessage): void {
  if (info.cropToBorder === true) throw new TileSpecError('--tiles: the scene renders only its own border region (Crop to Render Region); tiles replace that border, so turn it off in the scene first')
  planTiles(outputSize(info), still, still.overscan)
}

/** The tile indices of a tiled still: its frame records' keys. */
export function tileIndices (still: Pick<TiledStill, 'columns' | 'rows'>): number[] {
  return Array.from({ length: still.columns * still.rows }, (_, index) => index)
}

/** Every tile of the job's still, or undefined when it is not tiled or its size is not known yet (a node reads the scene first). */
export function tilePlansOf (job: Pick<JobView, 'tiles' | 'sceneInfo'>): TilePlan[] | undefined {
  if (job.tiles === undefined || job.sceneInfo === undefined) return undefined
  return planTiles(outputSize(job.sceneInfo), job.tiles, job.tiles.overscan)
}

/** The borders of these tiles, as a render task carries them. */
export function tileBorders (job: Pick<JobView, 'tiles' | 'sceneInfo'>, tiles: readonly number[]): Array<{ index: number, border: BorderFractions }> {
  const plans = tilePlansOf(job)
  if (plans === undefined) throw new TileSpecError('the still\'s size is not known yet: its tiles cannot be handed out')
  return tiles.map(index => {
    const plan = plans[index]
    if (plan === undefined) throw new RangeError(`the still has no tile ${index}`)
    return { index, border: plan.border }
  })
}

/**
 * The frames the job makes, as the user sees them: its frame numbers, or a
 * tiled still's one frame (its records are tiles, not frames).
 */
export function outputFrames (job: JobView): readonly number[] {
  return job.tiles !== undefined ? [job.tiles.frame] : frameNumbers(job)
}

/** "tile" or "frame": what one of the job's records is, for messages. */
export function unitName (job: Pick<JobView, 'tiles'>): 'tile' | 'frame' {
  return job.tiles !== undefined ? 'tile' : 'frame'
}
