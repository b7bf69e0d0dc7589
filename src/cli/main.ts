import { Command, CommanderError, Option } from 'commander'
import { DEFAULT_CACHE_BYTES, DEFAULT_WORK_DIR } from './defaults.js'
import { DEFAULT_FRAME_TAKEBACK_MS } from '../protocol/constants.js'
import type { runCoordinator as RunCoordinator } from './commands/coordinator.js'
import type { runNode as RunNode } from './commands/node.js'
import type { runSubmit as RunSubmit } from './commands/submit.js'
import type { runJobs as RunJobs } from './commands/jobs.js'
import type { runEvents as RunEvents, runJobsWatch as RunJobsWatch } from './commands/events.js'
import type { runAdmins as RunAdmins, runClear as RunClear, runControl as RunControl } from './commands/control.js'
import type { runKeyNew as RunKeyNew } from './commands/key.js'
import type { runAddon as RunAddon } from './commands/addon.js'
import type { runFiles as RunFiles } from './commands/files.js'
import type { runDownload as RunDownload } from './commands/download.js'
import type { runFrameLog as RunFrameLog } from './commands/frame-log.js'
import type { runFarms as RunFarms } from './commands/farms.js'
import type { runNodes as RunNodes, runNodeState as RunNodeState, runUnblock as RunUnblock } from './commands/nodes.js'
import { byteSize, frameArgument, integer, jobIdArgument, oneOf, overscanArgument, port, positiveInt, positiveNumber, tilesArgument } from './parse.js'
import { DEFAULT_OVERSCAN } from '../jobs/tiles.js'
import type { JobAction } from '../protocol/messages.js'
import type { ClientOptions } from '../client/coordinator-client.js'
import { errorMessage } from '../util/error-message.js'

const CODECS = ['h264', 'h265', 'prores'] as const
const QUALITIES = ['high', 'medium', 'low'] as const
const LOCATIONS = ['parent', 'frames', 'root'] as const
const FORMATS = ['PNG', 'JPEG', 'OPEN_EXR'] as const
const DEVICES = ['CPU', 'CUDA', 'OPTIX', 'HIP', 'METAL', 'ONEAPI'] as const

// Each command's module is imported when the command runs: a render node should
// not pay for loading the terminal UI or the encoder at start-up.
const runCoordinator: typeof RunCoordinator = async (...a) => (await import('./commands/coordinator.js')).runCoordinator(...a)
const runNode: typeof RunNode = async (...a) => (await import('./commands/node.js')).runNode(...a)
const runSubmit: typeof RunSubmit = async (...a) => (await import('./commands/submit.js')).runSubmit(...a)
const runJobs: typeof RunJobs = async (...a) => (await import('./commands/jobs.js')).runJobs(...a)
const runEvents: typeof RunEvents = async (...a) => (await import('./commands/events.js')).runEvents(...a)
const runJobsWatch: typeof RunJobsWatch = async (...a) => (await import('./commands/events.js')).runJobsWatch(...a)
const runControl: typeof RunControl = async (...a) => (await import('./commands/control.js')).runControl(...a)
const runClear: typeof RunClear = async (...a) => (await import('./commands/control.js')).runClear(...a)
const runAdmins: typeof RunAdmins = async (...a) => (await import('./commands/control.js')).runAdmins(...a)
const runKeyNew: typeof RunKeyNew = async (...a) => (await import('./commands/key.js')).runKeyNew(...a)
const runAddon: typeof RunAddon = async (...a) => (await import('./commands/addon.js')).runAddon(...a)
const runFiles: typeof RunFiles = async (...a) => (await import('./commands/files.js')).runFiles(...a)
const runDownload: typeof RunDownload = async (...a) => (await import('./commands/download.js')).runDownload(...a)
const runNodes: typeof RunNodes = async (...a) => (await import('./commands/nodes.js')).runNodes(...a)
const runNodeState: typeof RunNodeState = async (...a) => (await import('./commands/nodes.js')).runNodeState(...a)
const runUnblock: typeof RunUnblock = async (...a) => (await import('./commands/nodes.js')).runUnblock(...a)
const runFrameLog: typeof RunFrameLog = async (...a) => (await import('./commands/frame-log.js')).runFrameLog(...a)
const runFarms: typeof RunFarms = async (...a) => (await import('./commands/farms.js')).runFarms(...a)

/** The composition root: argv → a command with concrete adapters. Returns the exit code. */
export async function main (argv: readonly string[]): Promise<number> {
  // A promise nobody handled is a bug, but must not silently end a coordinator
  // serving a farm: say it, with what to report, and keep serving.
  process.on('unhandledRejection', (reason) => {
    console.error(`microfarm: internal error, please report it: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`)
  })
  let exitCode = 0
  const run = (command: () => Promise<number>) => async () => { exitCode = await command() }
  const program = new Command()
    .name('microfarm')
    .description('A peer-to-peer render farm for Blender: a coordinator, render nodes found over mDNS, jobs sent over libp2p.')
    .version('0.1.0')
    .exitOverride()

  /** --key FILE, or MICROFARM_KEY: the farm key of a private farm (see net/farm-key.ts). */
  const keyOption = (description: string): Option => new Option('--key <file>', description).env('MICROFARM_KEY')

  program.command('coordinator')
    .description('start the farm\'s coordinator')
    .addOption(new Option('--port <port>', 'TCP port to listen on, all interfaces (0 = any free port)').default(9090).argParser(port))
    .option('--output-dir <dir>', 'where jobs, frames and videos are written', './render_output')
    .option('--farm <name>', 'farm name advertised on the network (default: this machine\'s host name)')
    .option('--no-tui', 'run headless, one log line per event')
    .option('--no-advertise', 'do not advertise on mDNS (nodes must use --coordinator)')
    .addOption(new Option('--node-timeout <seconds>', 'drop a node silent for this long and hand its frames to others').default(15).argParser(positiveNumber('--node-timeout')))
    .addOption(new Option('--max-attempts <n>', 'render attempts per frame before it fails').default(3).argParser(positiveInt('--max-attempts')))
    .addOption(new Option('--frame-timeout <seconds>', 'frames a node shows no work on for this long (no progress, no frame in) go to other nodes').default(DEFAULT_FRAME_TAKEBACK_MS / 1000).argParser(positiveNumber('--frame-timeout')))
    .addOption(new Option('--stats-interval <seconds>', 'how often the log says how fast nodes\' work requests were answered').default(60).argParser(positiveNumber('--stats-interval')))
    .option('--ffmpeg <path>', 'ffmpeg to encode videos with (default: FFMPEG env, then PATH)')
    .addOption(keyOption('make the farm private: only machines holding this key can connect'))
    .action((opts) => run(() => runCoordinator(opts))())

  program.command('node')
    .description('render frames for the coordinator found on this network')
    .option('--name <name>', 'name shown on the coordinator (default: host name)')
    .option('--blender <path>', 'Blender executable (default: BLENDER env, PATH, usual install places)')
    .option('--coordinator <multiaddr>', 'coordinator address /ip4/…/tcp/…/p2p/…; skips mDNS')
    .option('--farm <name>', 'join this farm when several answer')
    .option('--work-dir <dir>', `cache for the jobs' files and frames waiting to upload (default: ${DEFAULT_WORK_DIR})`)
    .addOption(new Option('--frame-timeout <seconds>', 'a frame during which Blender prints nothing for this long is stopped and goes to another node').default(600).argParser(positiveNumber('--frame-timeout')))
    .addOption(new Option('--cache-size <size>', 'most the cache of jobs\' files may hold; least recently used files go first (e.g. 20G, 500M)').default(DEFAULT_CACHE_BYTES, '20G').argParser(byteSize('--cache-size')))
    .addOption(new Option('--device <type>', 'render Cycles on this device type (default: what this machine\'s Blender preferences say, else the CPU)').choices(DEVICES).argParser(oneOf('--device', DEVICES, v => v.toUpperCase())))
    .option('--gpus <ids>', 'only these devices of --device, by Cycles id (see --list-devices), e.g. to run one node per GPU')
    .option('--list-devices', 'print the render devices this machine\'s Blender sees, and exit')
    .addOption(keyOption('the key file of a private farm'))
    .addOption(new Option('--port <port>', 'TCP port other nodes fetch pieces of content on, on the interface the coordinator is reached by (0 = any free port)').default(0).argParser(port))
    .addOption(new Option('--threads <n>', 'render threads for Blender (its -t; default: every core)').argParser(positiveInt('--threads')))
    .option('--nice', 'run Blender at low CPU and disk priority (nice, ionice where the OS has them), so the desktop stays usable', false)
    .option('--schedule <window>', 'render only inside this weekly window, local time, e.g. "Mon-Fri 19:00-08:00, Sat-Sun"')
    .addOption(new Option('--schedule-stop <when>', 'when the window closes: finish the frame in progress, or stop it now (it goes back to the coordinator)').choices(['finish', 'now']).default('finish'))
    .action((opts) => run(() => runNode(opts))())

  const withCoordinator = (command: Command): Command => command
    .option('--coordinator <multiaddr>', 'coordinator address /ip4/…/tcp/…/p2p/…; skips mDNS')
    .option('--farm <name>', 'the farm to talk to when several answer')
    .addOption(keyOption('the key file of a private farm'))

  withCoordinator(program.command('submit')
    .description('send a .blend to the farm as a new job')
    .argument('<file.blend>', 'the scene to render')
    .option('--frames <list>', 'frames like 1-250 or 1-100,120,130-140 (default: the scene\'s own range)')
    .addOption(new Option('--chunk <n>', 'frames per task handed to a node').default(1).argParser(positiveInt('--chunk')))
    .addOption(new Option('--format <format>', 'image format of the frames').choices(FORMATS).default('PNG').argParser(oneOf('--format', FORMATS, v => v.toUpperCase())))
    .addOption(new Option('--priority <n>', 'higher runs first').default(0).argParser(integer('--priority')))
    .addOption(new Option('--codec <codec>', 'video codec').choices(CODECS).default('h264'))
    .addOption(new Option('--quality <quality>', 'video quality').choices(QUALITIES).default('high'))
    .addOption(new Option('--mp4-location <where>', 'where the video goes').choices(LOCATIONS).default('parent'))
    .option('--no-encode', 'do not make a video when the job completes')
    .addOption(new Option('--fps <fps>', 'video frame rate (default: the scene\'s)').argParser(positiveNumber('--fps')))
    .option('--blender <path>', 'local Blender that reads the scene and lists the files it needs (default: BLENDER env, PATH, usual install places)')
    .option('--dry-run', 'list the files the scene needs, with sizes and what is missing; send nothing', false)
    .option('--allow-missing', 'submit even when files the scene needs are missing here (the job records which)', false)
    .option('--no-deps', 'send the .blend alone, without the files it references (for a machine without Blender)')
    .option('--as <name>', 'the name you are shown by as the job\'s owner (default: user@host)')
    .option('--blender-version <versions>', 'only nodes with these Blender versions: 4.2 (that series), 4.2-4.5, >=4.2 (never older than the Blender that saved the file)')
    .addOption(new Option('--require <device>', 'only GPU nodes, or only CPU nodes').choices(['gpu', 'cpu']))
    .addOption(new Option('--tiles <grid>', 'render the one frame of --frames as COLSxROWS tiles (e.g. 4x4) across the farm, stitched into one PNG; auto: 2-4 tiles per node online').argParser(tilesArgument))
    .addOption(new Option('--overscan <px>', 'pixels each tile renders past its border, cropped when stitched').default(DEFAULT_OVERSCAN).argParser(overscanArgument))
    .option('--wait', 'show progress and exit when the job ends (0 = completed)', false)
    .option('--download <dir>', 'bring each frame here as soon as it is done, and the video when it is ready (implies --wait)')
    .option('--json', 'machine-readable output', false))
    .action((file: string, opts) => run(() => runSubmit(file, opts))())

  withCoordinator(program.command('jobs')
    .description('list jobs with state, progress and who rendered what')
    .option('--json', 'machine-readable output', false)
    .option('--watch', 'redraw the list in place every second until interrupted', false))
    .action((opts: ClientOptions & { watch: boolean, json: boolean }) => run(() => opts.watch ? runJobsWatch(opts) : runJobs(opts))())

  withCoordinator(program.command('events')
    .description('one line per farm event (job created, frame done or failed, job state, video ready) until interrupted')
    .option('--job <id>', 'only this job\'s events', jobIdArgument)
    .option('--json', 'one JSON object a line: the stable interface for scripts (README: Events for scripts)', false))
    .action((opts) => run(() => runEvents(opts))())

  withCoordinator(program.command('log')
    .description('Blender\'s output of a frame that failed or warned (its last attempt); without FRAME, the frames that have one')
    .argument('<job>', 'job id', jobIdArgument)
    .argument('[frame]', 'frame number', frameArgument)
    .option('--all', 'every attempt kept, with node and time', false)
    .option('--json', 'machine-readable output', false))
    .action((jobId: string, frame: number | undefined, opts) => run(() => runFrameLog(jobId, frame, opts))())

  withCoordinator(program.command('files')
    .description('list a job\'s frames and videos on the coordinator: name, kind, frame, size, when written')
    .argument('<job>', 'job id', jobIdArgument)
    .option('--json', 'machine-readable output (with each file\'s SHA-256)', false))
    .action((jobId: string, opts) => run(() => runFiles(jobId, opts))())

  withCoordinator(program.command('download')
    .description('bring a job\'s frames and videos (what is done so far) to this machine, each checked by SHA-256; run again, it fetches only what is missing or changed')
    .argument('<job>', 'job id', jobIdArgument)
    .argument('[dir]', 'where to put them (default: ./<job name>_<id>)')
    .option('--frames <list>', 'only these frames, like 1-10 or 1-100,120')
    .option('--video-only', 'only the video(s)', false)
    .option('--frames-only', 'only the frames', false)
    .option('--json', 'machine-readable output', false))
    .action((jobId: string, dir: string | undefined, opts) => run(() => runDownload(jobId, dir, opts))())

  const controls: Array<[JobAction, string]> = [
    ['cancel', 'stop a job; nodes stop rendering it at once'],
    ['pause', 'hold a job; nodes stop rendering it at once'],
    ['resume', 'continue a paused job'],
    ['activate', 'start or restart a queued, paused, cancelled or failed job (renders only missing frames)'],
    ['complete', 'mark a job complete with the frames it has'],
    ['retry', 'render a job\'s failed frames again'],
    ['delete', 'remove a job and its files (needs --yes)'],
  ]
  for (const [action, description] of controls) {
    const command = withCoordinator(program.command(action).description(description).argument('<job>', 'job id'))
    if (action === 'delete') command.option('--yes', 'confirm deleting the job\'s files')
    command.action((jobId: string, opts) => run(() => runControl(action, jobId, opts))())
  }

  withCoordinator(program.command('encode')
    .description('make the job\'s video now (again, with other settings if given)')
    .argument('<job>', 'job id')
    .addOption(new Option('--codec <codec>', 'video codec').choices(CODECS))
    .addOption(new Option('--quality <quality>', 'video quality').choices(QUALITIES))
    .addOption(new Option('--mp4-location <where>', 'where the video goes').choices(LOCATIONS))
    .addOption(new Option('--fps <fps>', 'video frame rate').argParser(positiveNumber('--fps'))))
    .action((jobId: string, opts: { codec?: string, quality?: string, mp4Location?: string, fps?: number }) => run(() => runControl('encode', jobId, {
      ...opts,
      encode: {
        ...(opts.codec !== undefined ? { codec: opts.codec as typeof CODECS[number] } : {}),
        ...(opts.quality !== undefined ? { quality: opts.quality as typeof QUALITIES[number] } : {}),
        ...(opts.mp4Location !== undefined ? { location: opts.mp4Location as typeof LOCATIONS[number] } : {}),
        ...(opts.fps !== undefined ? { fps: opts.fps } : {}),
      },
    }))())

  withCoordinator(program.command('clear').description('forget completed jobs (their files stay)'))
    .action((opts) => run(() => runClear(opts))())

  const admins = program.command('admins').description('the farm\'s admins: they may control every job (others only their own)')
  withCoordinator(admins.command('list').description('who the admins are'))
    .action((opts) => run(() => runAdmins('list', undefined, opts))())
  for (const action of ['add', 'remove'] as const) {
    withCoordinator(admins.command(action).description(`${action === 'add' ? 'make' : 'stop'} someone a farm admin (admins only)`).argument('<who>', 'a peer id, or a name as microfarm jobs shows a job\'s owner'))
      .action((who: string, opts) => run(() => runAdmins(action, who, opts))())
  }

  withCoordinator(program.command('nodes')
    .description('list every node: state, what it renders, device, Blender, frames done, average frame time, last seen, blocklists')
    .option('--json', 'machine-readable output', false))
    .action((opts) => run(() => runNodes(opts))())
  const nodeStates: Array<['drain' | 'disable' | 'enable', 'drained' | 'disabled' | 'enabled', string]> = [
    ['drain', 'drained', 'let a node finish the frames it holds and take nothing new (admins only)'],
    ['disable', 'disabled', 'stop a node now: its frames go to other nodes and it gets no work (admins only)'],
    ['enable', 'enabled', 'let a drained or disabled node take work again (admins only)'],
  ]
  for (const [command, state, description] of nodeStates) {
    withCoordinator(program.command(command).description(`${description}; remembered across coordinator restarts`).argument('<node>', 'a node name as microfarm nodes shows it, or its peer id'))
      .action((node: string, opts) => run(() => runNodeState(state, node, opts))())
  }
  withCoordinator(program.command('unblock')
    .description('let a blocklisted node render a job again (its failures on the job are forgiven)')
    .argument('<job>', 'job id', jobIdArgument)
    .argument('[node]', 'a node name as microfarm nodes shows it, or its peer id')
    .option('--all', 'every node blocklisted on the job', false))
    .action((jobId: string, node: string | undefined, opts) => run(() => runUnblock(jobId, node, opts))())

  program.command('farms')
    .description('the farms this machine can reach: the ones it knows (used last, running here) and those answering on mDNS')
    .addOption(new Option('--timeout-ms <ms>', 'how long to listen for mDNS answers').default(1000).argParser(positiveInt('--timeout-ms')))
    .option('--json', 'machine-readable output: the stable interface for scripts and the Blender add-on', false)
    .action((opts) => run(() => runFarms(opts))())

  const key = program.command('key').description('farm keys: a private farm takes only machines holding its key')
  key.command('new')
    .description('write a new farm key (readable by you only); copy it to every machine of the farm')
    .argument('[file]', 'where to write it', 'farm.key')
    .action((file: string) => run(() => runKeyNew(file))())

  program.command('addon')
    .description('the Blender add-on (a MicroFarm panel in Output Properties): install it for this user, or write an installable zip')
    .option('--install', 'copy it into your Blender\'s add-ons folder (BLENDER_USER_SCRIPTS, else the one of the Blender found as submit finds it)', false)
    .option('--zip <file>', 'write it as a zip to install from Blender\'s preferences')
    .option('--blender <path>', 'the Blender to install it for (default: BLENDER env, PATH, usual install places)')
    .action((opts) => run(() => runAddon(opts))())

  hintAfterErrors(program)
  try {
    await program.parseAsync([...argv])
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode
    console.error(`microfarm: ${errorMessage(err)}`)
    return 1
  }
  return exitCode
}

/** A mistyped option or argument gets the error and where to read more, not the whole help. */
function hintAfterErrors (command: Command, path: readonly string[] = []): void {
  const name = [...path, command.name()]
  command.showHelpAfterError(`see ${name.join(' ')} --help`)
  for (const sub of command.commands) hintAfterErrors(sub, name)
}
