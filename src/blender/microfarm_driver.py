# MicroFarm's driver: runs inside Blender (`blender -b [FILE] -Y --python this -- PORT TOKEN`),
# keeps the scene loaded and renders the frames the node asks for, one at a time.
# Started without a file it waits, warm, for an `open` command: Blender's own
# start-up is most of the cost of a light job, so a node pays it ahead of time.
#
# Commands and results travel over a loopback TCP connection of their own, as
# JSON lines, so nothing Blender prints on stdout or stderr can corrupt them.
# Works with the Python API of Blender 3.x and 4.x.
import json
import os
import socket
import sys
import traceback

import bpy

# The dependency walker lives beside this script: one walker for the submit's
# trace and the node's check, so both agree on what the scene's files are.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import microfarm_deps  # noqa: E402
import microfarm_devices  # noqa: E402


def arguments():
    argv = sys.argv
    rest = argv[argv.index('--') + 1:] if '--' in argv else []
    if len(rest) != 2:
        raise SystemExit('microfarm_driver: expected -- PORT TOKEN')
    return int(rest[0]), rest[1]


def missing_for_frame(frame, allowed):
    """Files the frame needs that are not on this machine, as 'stored (looked for path)'."""
    found = []
    for ref in microfarm_deps.walk(frame, frame):
        if microfarm_deps.path_key(ref['stored']) in allowed:
            continue
        for path in ref['missing']:
            found.append(ref['stored'] if ref['stored'] == path else '%s (looked for %s)' % (ref['stored'], path))
    return found


# The scene's own output settings, as saved in the .blend. Each render starts
# from them before it sets its format: switching formats makes Blender adjust
# colour mode and depth (JPEG has no alpha), and that must not leak into the
# next job's frames (a PNG after a JPEG would lose its alpha).
OUTPUT_SETTINGS = ('file_format', 'color_mode', 'color_depth', 'compression', 'quality', 'exr_codec', 'use_preview', 'use_zbuffer')


def saved_output_settings(scene):
    settings = scene.render.image_settings
    return [(name, getattr(settings, name)) for name in OUTPUT_SETTINGS if hasattr(settings, name)]


def apply_output(scene, saved, file_format):
    settings = scene.render.image_settings
    for name, value in saved:
        try:
            setattr(settings, name, value)
        except (TypeError, ValueError, AttributeError):
            pass  # not valid for the format set just before; Blender keeps its own choice
    settings.file_format = file_format


# What a tile render changes, put back after it: the scene stays loaded for
# the next task, which may be a whole frame.
TILE_SETTINGS = ('use_border', 'border_min_x', 'border_max_x', 'border_min_y', 'border_max_y',
                 'use_crop_to_border', 'use_compositing', 'use_sequencer')


def whole_image_steps(scene):
    """What the scene does to the whole image after rendering: it cannot be done on a tile."""
    steps = []
    render = scene.render
    # 5.x keeps the compositor in scene.compositing_node_group (its use_nodes is deprecated); before, use_nodes.
    if hasattr(scene, 'compositing_node_group'):
        composites = scene.compositing_node_group is not None
    else:
        composites = scene.use_nodes
    if render.use_compositing and composites:
        steps.append('compositing')
    editor = scene.sequence_editor
    strips = getattr(editor, 'strips_all', None) if editor is not None else None
    if strips is None and editor is not None:
        strips = getattr(editor, 'sequences_all', None)
    if render.use_sequencer and strips is not None and len(strips) > 0:
        steps.append('sequencer')
    cycles = getattr(scene, 'cycles', None)
    if render.engine == 'CYCLES' and cycles is not None and getattr(cycles, 'use_denoising', False):
        steps.append('denoising')
    return steps


def set_tile(scene, border):
    """Border render of one tile, cropped; what needs the whole image is off. Returns how to undo it."""
    render = scene.render
    undo = [(render, name, getattr(render, name)) for name in TILE_SETTINGS]
    steps = whole_image_steps(scene)
    if 'denoising' in steps:
        undo.append((scene.cycles, 'use_denoising', True))
        scene.cycles.use_denoising = False
    render.use_border = True
    render.use_crop_to_border = True
    render.border_min_x = border['minX']
    render.border_max_x = border['maxX']
    render.border_min_y = border['minY']
    render.border_max_y = border['maxY']
    # The tile is the raw render: compositing and the sequencer would see a tile, not the image.
    render.use_compositing = False
    render.use_sequencer = False
    return undo, steps


def undo_tile(undo):
    for owner, name, value in undo:
        setattr(owner, name, value)


def render_device():
    """The node's device choice (microfarm node --device/--gpus, in its environment), applied to Cycles' preferences."""
    wanted = os.environ.get('MICROFARM_GPUS', '')
    device_type, _ = microfarm_devices.apply(os.environ.get('MICROFARM_DEVICE') or None, [w for w in wanted.split(',') if w] or None)
    return device_type


def main():
    port, token = arguments()
    try:
        device_type = render_device()
    except microfarm_devices.DeviceChoiceError as error:
        # The node checked the choice at its start; a device gone since then is said, not rendered around.
        print('Error: %s' % error, file=sys.stderr, flush=True)
        raise
    microfarm_devices.use_on(bpy.context.scene, device_type)
    connection = socket.create_connection(('127.0.0.1', port))
    stream = connection.makefile('rwb', buffering=0)

    def send(message):
        stream.write((json.dumps(message) + '\n').encode('utf-8'))

    def mark_output():
        # What Blender printed while loading (a library it could not open) is the
        # node's only word of a missing file, and it reads it from stdout and
        # stderr, beside this socket: a mark on both, after everything else,
        # tells it when it has all of it (see BlenderDriver.open).
        try:
            import ctypes
            ctypes.CDLL(None).fflush(None)  # Blender's own C output, buffered in a pipe
        except (OSError, AttributeError, TypeError):
            pass  # no C library to flush (Windows): the mark still orders Python's own output
        for out in (sys.stdout, sys.stderr):
            print('MICROFARM_OUTPUT_MARK ' + token, file=out, flush=True)

    send({
        'type': 'ready',
        'token': token,
        'blender': bpy.app.version_string,
        'file': bpy.data.filepath,
        # -t overrides the scene's setting: this is what renders will use.
        'threads': bpy.context.scene.render.threads,
    })
    allowed = set()
    saved = {}
    for line in stream:
        command = json.loads(line.decode('utf-8'))
        kind = command.get('type')
        if kind == 'quit':
            break
        if kind == 'open':
            try:
                # use_scripts=False, like -Y: a .blend from the network never runs its Python.
                bpy.ops.wm.open_mainfile(filepath=command['path'], load_ui=False, use_scripts=False)
                # Absolute paths of the artist's machine → where their files lie here.
                errors = microfarm_deps.remap(command.get('remap', []))
                allowed = set(microfarm_deps.path_key(p) for p in command.get('allowedMissing', []))
                saved = {bpy.data.filepath: saved_output_settings(bpy.context.scene)}
                # The scene as saved says CPU or GPU; the node's choice wins (Cycles only).
                microfarm_devices.use_on(bpy.context.scene, device_type)
                mark_output()
                send({'type': 'opened', 'file': bpy.data.filepath, 'remapErrors': errors})
            except Exception as error:
                mark_output()
                send({'type': 'failed', 'frame': -1, 'error': str(error).strip() or 'cannot open %s' % command['path']})
            continue
        if kind != 'render':
            send({'type': 'error', 'message': 'unknown command %r' % (kind,)})
            continue
        frame = int(command['frame'])
        try:
            scene = bpy.context.scene
            render = scene.render
            if bpy.data.filepath not in saved:
                saved = {bpy.data.filepath: saved_output_settings(scene)}
            apply_output(scene, saved[bpy.data.filepath], command['format'])
            render.use_file_extension = True
            render.filepath = command['outputPrefix'] + '#' * int(command.get('digits', 6))
            scene.frame_set(frame)
            # Blender renders a missing texture magenta and a missing library as
            # nothing, and says so nowhere: never report such a frame as done.
            missing = missing_for_frame(frame, allowed)
            if missing:
                shown = ', '.join(missing[:10]) + (' and %d more' % (len(missing) - 10) if len(missing) > 10 else '')
                raise RuntimeError('%d file(s) the scene needs are not on this node: %s' % (len(missing), shown))
            path = bpy.path.abspath(render.frame_path(frame=frame))
            # A tile: same seed and samples as the whole frame, only the border differs.
            undo, turned_off = set_tile(scene, command['tile']) if command.get('tile') else ([], [])
            try:
                bpy.ops.render.render()
                # write_still ignores the '#' pattern; saving the result ourselves
                # writes exactly the frame's path, in the scene's image settings.
                bpy.data.images['Render Result'].save_render(filepath=path, scene=scene)
            finally:
                undo_tile(undo)
            if not os.path.isfile(path) or os.path.getsize(path) == 0:
                raise RuntimeError('Blender did not write %s' % path)
            # The node keeps the frame's output (its warnings, or why it failed): marked, as after a load.
            mark_output()
            send({'type': 'saved', 'frame': frame, 'path': path, 'turnedOff': turned_off})
        except Exception as error:  # report and go on with the next frame
            message = str(error).strip() or traceback.format_exc().strip().splitlines()[-1]
            mark_output()
            send({'type': 'failed', 'frame': frame, 'error': message})
    connection.close()


try:
    main()
finally:
    # Quit Blender once the node lets go (or the connection broke): never linger.
    sys.stdout.flush()
    os._exit(0)
