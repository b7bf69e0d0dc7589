import { runProcess } from '../../src/process/run-process.js'

/** What ffprobe says of a video's first stream; nb_read_frames counts the frames really decoded. */
export interface VideoProbe {
  codec_name: string
  codec_tag_string: string
  width: number
  height: number
  r_frame_rate: string
  nb_read_frames: string
}

export async function probeVideo (file: string): Promise<VideoProbe> {
  const out: string[] = []
  const args = ['-v', 'error', '-select_streams', 'v:0', '-count_frames',
    '-show_entries', 'stream=codec_name,width,height,r_frame_rate,nb_read_frames,codec_tag_string', '-of', 'json', file]
  const result = await runProcess({ command: 'ffprobe', args, timeoutMs: 60_000, onStdoutLine: line => out.push(line), onStderrLine: line => out.push(line) })
  if (result.exitCode !== 0) throw new Error(`ffprobe ${file} failed (${result.exitCode ?? result.signal}):\n${out.slice(-20).join('\n')}`)
  const stream = (JSON.parse(out.join('\n')) as { streams: VideoProbe[] }).streams[0]
  if (stream === undefined) throw new Error(`no video stream in ${file}`)
  return stream
}
