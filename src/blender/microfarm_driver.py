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
            bpy.ops.render.render()
            # write_still ignores the '#' pattern; saving the result ourselves
            # writes exactly the frame's path, in the scene's image settings.
            bpy.data.images['Render Result'].save_render(filepath=path, scene=scene)
            if not os.path.isfile(path) or os.path.getsize(path) == 0:
                raise RuntimeError('Blender did not write %s' % path)
            # The node keeps the frame's output (its warnings, or why it failed): marked, as after a load.
            mark_output()
            send({'type': 'saved', 'frame': frame, 'path': path})
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
