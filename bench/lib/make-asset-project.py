# A project of many external files for bench/assets.ts, made inside Blender:
#   blender -b --factory-startup -noaudio --python-exit-code 1 \
#     --python make-asset-project.py -- OUTDIR [COUNT] [BYTES]
# writes OUTDIR/shots/scene.blend (a camera, a cube, one material whose image
# nodes use COUNT images) and the image files it names, relative to it:
#   //textures/wood/tex_NNN.png, //textures/metal/tex_NNN.jpg (next to it)
#   //../shared/hdri_NNN.exr (one level above the .blend's folder)
# Each file is BYTES random bytes: the trace only checks that files exist.
# The images are made with images.new() and pointed at their files without
# loading them; nothing here, or in a trace, decodes them.
import os
import sys

import bpy

argv = sys.argv[sys.argv.index('--') + 1:]
out = os.path.abspath(argv[0])
count = int(argv[1]) if len(argv) > 1 else 200
size = int(argv[2]) if len(argv) > 2 else 5 * 1024 * 1024 // 2

shots = os.path.join(out, 'shots')
blend = os.path.join(shots, 'scene.blend')


def place(i):
    """(path relative to the .blend, as Blender stores it) of image i."""
    if i < count * 2 // 5:
        return '//textures/wood/tex_%03d.png' % i
    if i < count * 4 // 5:
        return '//textures/metal/tex_%03d.jpg' % i
    return '//../shared/hdri_%03d.exr' % i


# Start empty, then a camera (a scene without one is refused) and a cube.
for obj in list(bpy.data.objects):
    bpy.data.objects.remove(obj)
scene = bpy.context.scene
scene.frame_start, scene.frame_end = 1, 1
cam = bpy.data.objects.new('Camera', bpy.data.cameras.new('Camera'))
cam.location = (0.0, -6.0, 2.0)
cam.rotation_euler = (1.25, 0.0, 0.0)
scene.collection.objects.link(cam)
scene.camera = cam
bpy.ops.mesh.primitive_cube_add()
cube = bpy.context.active_object

material = bpy.data.materials.new('Textures')
material.use_nodes = True
cube.data.materials.append(material)
nodes = material.node_tree.nodes

for i in range(count):
    stored = place(i)
    path = os.path.normpath(os.path.join(shots, stored[2:]))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(os.urandom(size))
    image = bpy.data.images.new(os.path.basename(path), 4, 4)
    image.source = 'FILE'
    image.filepath = stored
    node = nodes.new('ShaderNodeTexImage')
    node.image = image
    node.location = (-400.0 - 300.0 * (i // 20), 300.0 * (i % 20))

os.makedirs(shots, exist_ok=True)
bpy.ops.wm.save_as_mainfile(filepath=blend, relative_remap=False)
print('made %s with %d images' % (blend, count))
