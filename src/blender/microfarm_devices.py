# MicroFarm's Cycles device choice, inside Blender (3.3 through 5.x).
#
# Imported by the driver (microfarm_driver.py), which applies the node's
# choice before it renders; run on its own by the node at start and by
# `microfarm node --list-devices`:
#
#   blender -b -Y --python microfarm_devices.py -- [TYPE [ID,ID...]]
#
# prints one line `MICROFARM_DEVICES {json}`: what this Blender sees, and the
# devices in use after applying TYPE/IDs (or the preferences as they are),
# read back from the preferences, or why the choice cannot be met.
#
# Devices are chosen through Cycles' preferences (compute_device_type, then
# each device's `use`), never with `--cycles-device`, which takes every
# device of a type. Nothing is saved: the user's preferences stay as they are.
import json
import sys

import bpy

GPU_TYPES = ('CUDA', 'OPTIX', 'HIP', 'METAL', 'ONEAPI')
NAMES = {'CUDA': 'CUDA', 'OPTIX': 'OptiX', 'HIP': 'HIP', 'METAL': 'Metal', 'ONEAPI': 'oneAPI'}


class DeviceChoiceError(Exception):
    pass


def preferences():
    return bpy.context.preferences.addons['cycles'].preferences


def devices_of(prefs, device_type):
    """This type's own devices (get_devices_for_type adds the CPU to GPU lists)."""
    return [d for d in prefs.get_devices_for_type(device_type) if d.type == device_type]


def available(prefs):
    seen = []
    for device_type in ('CPU',) + GPU_TYPES:
        try:
            seen.extend({'id': d.id, 'name': d.name, 'type': d.type} for d in devices_of(prefs, device_type))
        except (TypeError, ValueError, KeyError):
            pass  # a type this build does not know
    return seen


def choose(devices, wanted):
    """Marks exactly the `wanted` ids (all when None) of a type's devices for use; returns those used."""
    ids = [d.id for d in devices]
    if wanted is not None:
        unknown = [w for w in wanted if w not in ids]
        if unknown:
            raise DeviceChoiceError('no device %s here (this Blender sees: %s)' % (', '.join(unknown), ', '.join(ids) or 'none'))
    used = []
    for d in devices:
        d.use = wanted is None or d.id in wanted
        if d.use:
            used.append(d)
    return used


def apply(device_type=None, wanted=None):
    """
    The node's choice: a type (and some of its ids), or None for the
    preferences as they are. Returns (type, devices in use); raises
    DeviceChoiceError when the choice cannot be met: never a silent CPU.
    """
    prefs = preferences()
    if hasattr(prefs, 'refresh_devices'):
        prefs.refresh_devices()
    if device_type is None:
        current = prefs.compute_device_type
        if current in GPU_TYPES:
            used = [d for d in devices_of(prefs, current) if d.use]
            if used:
                return current, used
        return 'CPU', devices_of(prefs, 'CPU')
    if device_type == 'CPU':
        if wanted:
            raise DeviceChoiceError('--gpus names GPUs; with --device CPU every CPU core renders (see --threads)')
        prefs.compute_device_type = 'NONE'
        return 'CPU', devices_of(prefs, 'CPU')
    name = NAMES.get(device_type, device_type)
    try:
        prefs.compute_device_type = device_type
    except TypeError:
        raise DeviceChoiceError('this Blender (%s) is built without %s: it cannot render on %s devices' % (bpy.app.version_string, name, name))
    gpus = devices_of(prefs, device_type)
    if not gpus:
        raise DeviceChoiceError('no %s device on this machine (this Blender sees: %s)' % (name, '; '.join('%s %s' % (d['type'], d['name']) for d in available(prefs))))
    used = choose(gpus, wanted)
    # A GPU node renders on its GPUs alone: the CPU would slow the last tiles down.
    for d in prefs.get_devices_for_type(device_type):
        if d.type == 'CPU':
            d.use = False
    return device_type, used


def use_on(scene, device_type):
    """What a scene renders on: Cycles reads scene.cycles.device; EEVEE and Workbench ignore it."""
    cycles = getattr(scene, 'cycles', None)
    if cycles is not None:
        cycles.device = 'CPU' if device_type == 'CPU' else 'GPU'


def report(device_type=None, wanted=None):
    prefs = preferences()
    out = {'blender': bpy.app.version_string}
    try:
        chosen, used = apply(device_type, wanted)
        use_on(bpy.context.scene, chosen)
        # Read back from the preferences, not from what was asked: this is what Cycles will use.
        in_use = [d for d in devices_of(prefs, chosen) if chosen == 'CPU' or d.use]
        out['selected'] = {
            'device': chosen,
            'computeDeviceType': prefs.compute_device_type,
            'sceneDevice': getattr(getattr(bpy.context.scene, 'cycles', None), 'device', None),
            'devices': [{'id': d.id, 'name': d.name, 'type': d.type} for d in in_use],
        }
        if len(in_use) != len(used):
            out['selected']['mismatch'] = [d.id for d in used]
    except DeviceChoiceError as error:
        out['error'] = str(error)
    out['available'] = available(prefs)
    print('MICROFARM_DEVICES ' + json.dumps(out), flush=True)


def parse_arguments(argv):
    rest = argv[argv.index('--') + 1:] if '--' in argv else []
    device_type = rest[0] if len(rest) > 0 and rest[0] != '' else None
    wanted = [w for w in rest[1].split(',') if w] if len(rest) > 1 and rest[1] != '' else None
    return device_type, wanted


if __name__ == '__main__':
    report(*parse_arguments(sys.argv))
