# MicroFarm's driver: runs inside Blender (`blender -b FILE -Y --python this -- PORT TOKEN`),
# keeps the scene loaded and renders the frames the node asks for, one at a time.
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


def arguments():
    argv = sys.argv
    rest = argv[argv.index('--') + 1:] if '--' in argv else []
    if len(rest) != 2:
        raise SystemExit('microfarm_driver: expected -- PORT TOKEN')
    return int(rest[0]), rest[1]


def main():
    port, token = arguments()
    connection = socket.create_connection(('127.0.0.1', port))
    stream = connection.makefile('rwb', buffering=0)

    def send(message):
        stream.write((json.dumps(message) + '\n').encode('utf-8'))

    scene = bpy.context.scene
    send({
        'type': 'ready',
        'token': token,
        'blender': bpy.app.version_string,
        'file': bpy.data.filepath,
    })
    for line in stream:
        command = json.loads(line.decode('utf-8'))
        kind = command.get('type')
        if kind == 'quit':
            break
        if kind != 'render':
            send({'type': 'error', 'message': 'unknown command %r' % (kind,)})
            continue
        frame = int(command['frame'])
        try:
            render = scene.render
            render.image_settings.file_format = command['format']
            render.use_file_extension = True
            render.filepath = command['outputPrefix'] + '#' * int(command.get('digits', 6))
            scene.frame_set(frame)
            path = bpy.path.abspath(render.frame_path(frame=frame))
            bpy.ops.render.render()
            # write_still ignores the '#' pattern; saving the result ourselves
            # writes exactly the frame's path, in the scene's image settings.
            bpy.data.images['Render Result'].save_render(filepath=path, scene=scene)
            if not os.path.isfile(path) or os.path.getsize(path) == 0:
                raise RuntimeError('Blender did not write %s' % path)
            send({'type': 'saved', 'frame': frame, 'path': path})
        except Exception as error:  # report and go on with the next frame
            message = str(error).strip() or traceback.format_exc().strip().splitlines()[-1]
            send({'type': 'failed', 'frame': frame, 'error': message})
    connection.close()


try:
    main()
finally:
    # Quit Blender once the node lets go (or the connection broke): never linger.
    sys.stdout.flush()
    os._exit(0)
