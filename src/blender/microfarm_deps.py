# MicroFarm's inventory of a scene's external files, run inside Blender.
#
# As a script (the submitting machine's trace):
#   blender -b FILE.blend -Y --python-exit-code 1 --python microfarm_deps.py -- \
#     trace OUT.json [FRAME_START FRAME_END]
# writes one JSON object (traceOutput in dependencies.ts) to OUT.json.
#
# As a module (the node's driver): walk(), remap(entries), missing().
#
# Why not bpy.utils.blend_paths(): it is not an inventory (UDIM comes back as
# the template, an image sequence as its first file, disk point caches not at
# all), and Blender prints nothing for most missing files, so the node must
# check the files itself, with the same walker as the submitter.
#
# One file, longer than the project's usual: the node's driver imports it
# from its own folder inside Blender, where it must stand alone.
#
# Works with the API of Blender 3.4 (Debian 12) to 5.x: names that changed
# (sequences_all -> strips_all) or appeared (geometry-nodes bakes) are looked
# up with getattr.
import json
import os
import re
import sys

import bpy

BUILTIN_FONT = '<builtin>'
# Library reloads can reveal more libraries (indirect ones): bounded, a cycle must not hang a node.
MAX_EXTRA_LIBRARY_ROUNDS = 16
_UDIM_TOKENS = re.compile(r'<UDIM>|<UVTILE>')


# ---------------------------------------------------------------- paths

def _library_path(lib):
    return None if lib is None else os.path.normpath(bpy.path.abspath(lib.filepath))


def _resolve(stored, lib):
    """stored made absolute against the .blend that holds it (templates kept)."""
    if stored.startswith('//') and os.sep == '/':
        # A relative path written on Windows still names the same file here.
        stored = '//' + stored[2:].replace('\\', '/')
    path = bpy.path.abspath(stored, library=lib)
    return os.path.normpath(path) if path else path


def _split_number(path):
    """(head, digits, tail) around the last digit group of the file name, as BLI_path_sequence_decode does; None without one."""
    folder, name = os.path.split(path)
    dot = name.rfind('.')
    stem, ext = (name[:dot], name[dot:]) if dot > 0 else (name, '')
    match = re.search(r'(\d+)(\D*)$', stem)
    if match is None:
        return None
    return os.path.join(folder, stem[:match.start(1)]), match.group(1), match.group(2) + ext


def _numbered(head, width, number, tail):
    digits = str(abs(number)).zfill(width)
    return head + ('-' if number < 0 else '') + digits + tail


def _sequence_files(path):
    """Every existing file of the numbered sequence path belongs to (same head, tail and width)."""
    parts = _split_number(path)
    if parts is None:
        return [path] if os.path.isfile(path) else []
    head, digits, tail = parts
    folder, prefix = os.path.split(head)
    pattern = re.compile(re.escape(prefix) + r'-?\d{%d,}' % len(digits) + re.escape(tail) + '$')
    return sorted(os.path.join(folder, n) for n in _listdir(folder) if pattern.match(n))


def _listdir(folder):
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []


def _tree_files(folder):
    found = []
    for root, _dirs, names in os.walk(folder):
        found.extend(os.path.join(root, n) for n in names)
    return sorted(found)


def _split_existing(paths):
    files, missing = [], []
    for path in paths:
        (files if os.path.isfile(path) else missing).append(path)
    return files, missing


# ---------------------------------------------------------------- references

class Slot:
    """One place in the scene that names a file: its reference, and how to point it elsewhere."""

    def __init__(self, ref, setter=None, also_matches=None):
        self.ref = ref
        self.setter = setter
        # Other stored strings that name this slot (a point cache folder derived from a renamed .blend).
        self.also_matches = also_matches


def _ref(kind, owner, stored, lib, files, missing, resolved=None, library=None):
    return {
        'kind': kind,
        'owner': owner,
        'stored': stored,
        'library': _library_path(lib) if library is None else library,
        'resolved': _resolve(stored, lib) if resolved is None else resolved,
        'files': sorted(set(files)),
        'missing': sorted(set(missing)),
    }


def _file_ref(kind, owner, stored, lib):
    resolved = _resolve(stored, lib)
    files, missing = _split_existing([resolved])
    return _ref(kind, owner, stored, lib, files, missing, resolved)


def _attr_setter(obj, attr, reload=False):
    def set_path(path):
        setattr(obj, attr, path)
        kept = getattr(obj, attr)
        if os.path.normpath(kept) != os.path.normpath(path):
            # Not writable here (a linked datablock in some Blender versions): said, not ignored.
            raise RuntimeError('Blender kept %r' % kept)
        if reload and hasattr(obj, 'reload'):
            obj.reload()
    return set_path


def _used(id_block):
    return id_block.users > 0 or id_block.use_fake_user


def _is_packed(id_block):
    return getattr(id_block, 'packed_file', None) is not None or len(getattr(id_block, 'packed_files', ())) > 0


# ---------------------------------------------------------------- libraries

def _library_stored(lib):
    """The path as the .blend that links the library holds it.

    Blender rebases an indirect library's relative path onto the main file when
    loading; the file that links it (lib.parent) stores it relative to itself.
    """
    if lib.parent is None or not lib.filepath.startswith('//'):
        return lib.filepath
    parent_dir = os.path.dirname(_library_path(lib.parent))
    return '//' + os.path.relpath(_library_path(lib), parent_dir).replace(os.sep, '/')


def _library_slots():
    slots = []
    for lib in bpy.data.libraries:
        if _is_packed(lib):
            continue
        resolved = _library_path(lib)
        files, missing = _split_existing([resolved])
        ref = _ref('library', "library '%s'" % lib.name, _library_stored(lib), None, files, missing,
                   resolved, library=_library_path(lib.parent) if lib.parent is not None else None)
        slots.append(Slot(ref, _library_setter(lib)))
    return slots


def _library_setter(lib):
    def set_path(path):
        lib.filepath = path
        lib.reload()
    return set_path


# ---------------------------------------------------------------- images

def _node_trees():
    """(owner ID, node tree) for every node tree: embedded ones and node groups."""
    for collection in ('materials', 'worlds', 'lights', 'textures', 'scenes', 'linestyles'):
        for owner in getattr(bpy.data, collection, ()):
            tree = getattr(owner, 'node_tree', None)
            if tree is not None:
                yield owner, tree
    for group in bpy.data.node_groups:
        yield group, group


class _FrameUser:
    """The frame fields of a node that has them on itself (compositor image node) instead of an ImageUser."""

    def __init__(self, node):
        self.frame_duration = node.frame_duration
        self.frame_start = node.frame_start
        self.frame_offset = node.frame_offset
        self.use_cyclic = node.use_cyclic


def _image_users():
    """image name_full -> image users (objects with frame_duration, frame_start, frame_offset, use_cyclic)."""
    users = {}

    def add(image, user):
        if image is not None and user is not None:
            users.setdefault(image.name_full, []).append(user)

    for _owner, tree in _node_trees():
        for node in tree.nodes:
            image = getattr(node, 'image', None)
            if node.bl_idname in ('ShaderNodeTexImage', 'ShaderNodeTexEnvironment'):
                add(image, node.image_user)
            elif node.bl_idname == 'CompositorNodeImage' and hasattr(node, 'frame_duration'):
                add(image, _FrameUser(node))
    for tex in bpy.data.textures:
        if tex.type == 'IMAGE':
            add(tex.image, tex.image_user)
    for cam in bpy.data.cameras:
        for bg in cam.background_images:
            add(bg.image, bg.image_user)
    for obj in bpy.data.objects:
        if obj.type == 'EMPTY' and obj.empty_display_type == 'IMAGE':
            add(obj.data, obj.image_user)
    return users


def image_user_frame(user, cfra):
    """The file number an image user shows at scene frame cfra: Blender's BKE_image_user_frame_get."""
    length = user.frame_duration
    if length == 0:
        return 0
    f = cfra - user.frame_start + 1
    if user.use_cyclic:
        f = f % length
        if f < 0:
            f += length
        if f == 0:
            f = length
    else:
        f = min(max(f, 0), length)
    return f + user.frame_offset


# The frames a job renders, when they are not every frame of a span (`--frames 1-99x2`):
# set by the trace, so a sequence's files that only skipped frames need do not travel.
_JOB_FRAMES = None


def _frames_between(frame_start, frame_end):
    if _JOB_FRAMES is None:
        return range(frame_start, frame_end + 1)
    return [f for f in _JOB_FRAMES if frame_start <= f <= frame_end]


def _sequence_needed(resolved, users, frame_start, frame_end):
    parts = _split_number(resolved)
    if parts is None or not users:
        # No image user (or no number): every file of the sequence, to be safe.
        files = _sequence_files(resolved)
        return files, ([] if files else [resolved])
    head, digits, tail = parts
    numbers = {image_user_frame(u, f) for u in users for f in _frames_between(frame_start, frame_end)}
    return _split_existing([_numbered(head, len(digits), n, tail) for n in sorted(numbers)])


def _udim_paths(image, resolved):
    """(existing tile files, missing tile files) of a tiled image."""
    template = resolved
    if _UDIM_TOKENS.search(template) is None:
        parts = _split_number(template)
        if parts is None or not 1001 <= int(parts[1]) <= 2000:
            return _split_existing([template])
        template = parts[0] + '<UDIM>' + parts[2]
    folder, name = os.path.split(template)
    pieces = _UDIM_TOKENS.split(name)
    tokens = _UDIM_TOKENS.findall(name)
    pattern = re.escape(pieces[0])
    for token, piece in zip(tokens, pieces[1:]):
        pattern += (r'1\d{3}' if token == '<UDIM>' else r'u\d+_v\d+') + re.escape(piece)
    files = [os.path.join(folder, n) for n in _listdir(folder) if re.fullmatch(pattern, n)]
    wanted = [_tile_path(template, tile.number) for tile in image.tiles]
    return files, [p for p in wanted if not os.path.isfile(p)]


def _tile_path(template, number):
    u, v = (number - 1001) % 10 + 1, (number - 1001) // 10 + 1
    return template.replace('<UDIM>', str(number)).replace('<UVTILE>', 'u%d_v%d' % (u, v))


def _image_slots(frame_start, frame_end):
    users = _image_users()
    slots = []
    for image in bpy.data.images:
        if image.source not in ('FILE', 'SEQUENCE', 'MOVIE', 'TILED') or not image.filepath:
            continue
        if _is_packed(image) or not _used(image):
            continue
        owner = "image '%s'" % image.name
        resolved = _resolve(image.filepath, image.library)
        if image.source == 'TILED':
            files, missing = _udim_paths(image, resolved)
            ref = _ref('udim', owner, image.filepath, image.library, files, missing, resolved)
        elif image.source == 'SEQUENCE':
            files, missing = _sequence_needed(resolved, users.get(image.name_full, []), frame_start, frame_end)
            ref = _ref('image-sequence', owner, image.filepath, image.library, files, missing, resolved)
        else:
            ref = _file_ref('movie' if image.source == 'MOVIE' else 'image', owner, image.filepath, image.library)
        slots.append(Slot(ref, _attr_setter(image, 'filepath', reload=True)))
    return slots


# ---------------------------------------------------------------- sequencer

def _strips(scene):
    editor = scene.sequence_editor
    if editor is None:
        return []
    # Blender 5 renamed sequences_all to strips_all; both include meta strips' children.
    return list(getattr(editor, 'strips_all', None) or getattr(editor, 'sequences_all', ()))


def _strip_slots():
    slots = []
    for scene in bpy.data.scenes:
        for strip in _strips(scene):
            owner = "scene '%s', strip '%s'" % (scene.name, strip.name)
            if strip.type == 'IMAGE':
                folder = _resolve(strip.directory, scene.library)
                paths = [os.path.join(folder, e.filename) for e in strip.elements]
                files, missing = _split_existing(paths)
                ref = _ref('strip', owner, strip.directory, scene.library, files, missing, folder)
                slots.append(Slot(ref, _attr_setter(strip, 'directory')))
            elif strip.type == 'MOVIE':
                slots.append(Slot(_file_ref('strip', owner, strip.filepath, scene.library), _attr_setter(strip, 'filepath')))
    return slots


# ---------------------------------------------------------------- other datablocks

def _simple_file_slots(collection, kind, skip=None):
    slots = []
    for block in getattr(bpy.data, collection, ()):
        if not block.filepath or _is_packed(block) or not _used(block) or (skip is not None and skip(block)):
            continue
        ref = _file_ref(kind, "%s '%s'" % (kind, block.name), block.filepath, block.library)
        slots.append(Slot(ref, _attr_setter(block, 'filepath')))
    return slots


def _volume_frame(volume, cfra):
    """The file number a volume sequence reads at cfra (Blender's volume_sequence_frame); None: no file."""
    duration = volume.frame_duration
    if duration == 0:
        return None
    f = cfra - volume.frame_start + 1
    mode = volume.sequence_mode
    if mode == 'CLIP' and not 1 <= f <= duration:
        return None
    if mode == 'EXTEND':
        f = min(max(f, 1), duration)
    elif mode == 'REPEAT':
        f = f % duration or duration
    elif mode == 'PING_PONG':
        span = max(duration * 2 - 2, 1)
        f = f % span or span
        if f > duration:
            f = duration * 2 - f
    return f + volume.frame_offset


def _volume_slots(frame_start, frame_end):
    slots = []
    for volume in getattr(bpy.data, 'volumes', ()):
        if not volume.filepath or _is_packed(volume) or not _used(volume):
            continue
        owner = "volume '%s'" % volume.name
        resolved = _resolve(volume.filepath, volume.library)
        parts = _split_number(resolved) if volume.is_sequence else None
        if parts is None:
            ref = _file_ref('volume', owner, volume.filepath, volume.library)
        else:
            head, digits, tail = parts
            numbers = {_volume_frame(volume, f) for f in _frames_between(frame_start, frame_end)} - {None}
            files, missing = _split_existing([_numbered(head, len(digits), n, tail) for n in sorted(numbers)])
            ref = _ref('volume', owner, volume.filepath, volume.library, files, missing, resolved)
        slots.append(Slot(ref, _attr_setter(volume, 'filepath')))
    return slots


def _sequence_or_file(kind, owner, block, is_sequence):
    resolved = _resolve(block.filepath, block.library)
    if not is_sequence:
        return _file_ref(kind, owner, block.filepath, block.library)
    # Which files a frame needs depends on offsets this walker does not model: every file of the sequence.
    files = _sequence_files(resolved)
    return _ref(kind, owner, block.filepath, block.library, files, [] if files else [resolved], resolved)


def _clip_and_cache_slots():
    slots = []
    for clip in bpy.data.movieclips:
        if clip.filepath and _used(clip):
            ref = _sequence_or_file('clip', "movie clip '%s'" % clip.name, clip, clip.source == 'SEQUENCE')
            slots.append(Slot(ref, _attr_setter(clip, 'filepath')))
    for cache in bpy.data.cache_files:
        if cache.filepath and _used(cache):
            ref = _sequence_or_file('cache-file', "cache file '%s'" % cache.name, cache, cache.is_sequence)
            slots.append(Slot(ref, _attr_setter(cache, 'filepath')))
    return slots


# ---------------------------------------------------------------- modifiers, caches, bakes

def _owner_blend(id_block):
    """Absolute path of the .blend that holds id_block (a library, or the main file)."""
    if id_block.library is not None:
        return _library_path(id_block.library)
    return bpy.data.filepath


def _ptcache_prefixes(pc, owner_id):
    """File name prefixes of a point cache: pc.name, else the ID name in hex (ptcache_filepath in pointcache.c)."""
    if pc.name or pc.use_external:
        return [pc.name]
    raw = owner_id.name.encode('utf-8')
    # Blender formats each (signed on x86, unsigned on ARM) char: non-ASCII bytes come out either way.
    signed = ''.join(('FFFFFF%02X' % b) if b >= 128 else ('%02X' % b) for b in raw)
    return sorted({raw.hex().upper(), signed})


def _ptcache_folder(pc, owner_id):
    holder = owner_id.library if (owner_id.library is not None and pc.use_library_path) else None
    if pc.use_external:
        return pc.filepath, _resolve(pc.filepath, holder)
    blend = _library_path(holder) if holder is not None else bpy.data.filepath
    name = os.path.splitext(os.path.basename(blend))[0]
    stored = '//blendcache_%s/' % name
    return stored, os.path.normpath(os.path.join(os.path.dirname(blend), 'blendcache_' + name))


def _ptcache_ref(pc, owner_id, owner):
    stored, folder = _ptcache_folder(pc, owner_id)
    index = r'_%02d' % pc.index if pc.index >= 0 else r'(_\d{2})?'
    patterns = [re.compile(re.escape(p) + r'_\d{6}' + index + r'\.\w+$') for p in _ptcache_prefixes(pc, owner_id)]
    files = [os.path.join(folder, n) for n in sorted(_listdir(folder)) if any(p.match(n) for p in patterns)]
    # A baked cache with no file left: the sim would re-run silently (particles) or stay at rest (cloth).
    missing = [folder] if (pc.is_baked and not files) else []
    return _ref('point-cache', owner, stored, None, files, missing, folder, library=_library_path(owner_id.library))


def _is_blendcache_folder(stored):
    """A disk cache's folder is named after the .blend holding it. MicroFarm's nodes keep the .blend's
    name, so they never need this; a remap entry for '//blendcache_<name>/' still lets a .blend opened
    under another name find its cache (tested in deps-remap)."""
    return re.fullmatch(r'//blendcache_[^/\\]+[/\\]?', stored) is not None


def _ptcache_setter(pc, owner_id):
    prefix = _ptcache_prefixes(pc, owner_id)[0]

    def set_path(path):
        # An external cache is read from any folder, under pc.name instead of the hex ID name.
        if not pc.name:
            pc.name = prefix
        pc.filepath = path
        pc.use_external = True
    return set_path


def _point_caches(obj):
    """(point cache, owner text) of an object's simulations."""
    for md in obj.modifiers:
        where = "object '%s', modifier '%s'" % (obj.name, md.name)
        if md.type in ('CLOTH', 'SOFT_BODY'):
            yield md.point_cache, where
        elif md.type == 'PARTICLE_SYSTEM':
            yield md.particle_system.point_cache, where
        elif md.type == 'DYNAMIC_PAINT' and md.canvas_settings is not None:
            for surface in md.canvas_settings.canvas_surfaces:
                yield surface.point_cache, where + ", surface '%s'" % surface.name


def _all_caches(pc):
    # A cache stack (several caches on one simulation): each has its own files.
    return list(pc.point_caches) or [pc]


def _point_cache_slots():
    slots = []
    owners = [(obj, _point_caches(obj)) for obj in bpy.data.objects]
    for scene in bpy.data.scenes:
        world = scene.rigidbody_world
        if world is not None and world.point_cache is not None:
            owners.append((scene, [(world.point_cache, "scene '%s', rigid body world" % scene.name)]))
    for owner_id, caches in owners:
        for pc0, where in caches:
            for pc in _all_caches(pc0):
                if pc.use_disk_cache or pc.use_external:
                    derived = None if pc.use_external else _is_blendcache_folder
                    slots.append(Slot(_ptcache_ref(pc, owner_id, where), _ptcache_setter(pc, owner_id), derived))
    return slots


def _folder_ref(kind, owner, stored, lib, must_exist):
    folder = _resolve(stored, lib)
    files = _tree_files(folder)
    return _ref(kind, owner, stored, lib, files, [folder] if (must_exist and not files) else [], folder)


def _modifier_slots():
    slots = []
    for obj in bpy.data.objects:
        for md in obj.modifiers:
            where = "object '%s', modifier '%s'" % (obj.name, md.name)
            if md.type == 'MESH_CACHE' and md.filepath:
                slots.append(Slot(_file_ref('mesh-cache', where, md.filepath, obj.library), _attr_setter(md, 'filepath')))
            elif md.type == 'FLUID' and md.fluid_type == 'DOMAIN' and md.domain_settings.cache_directory:
                ds = md.domain_settings
                ref = _folder_ref('point-cache', where, ds.cache_directory, obj.library, ds.has_cache_baked_any)
                slots.append(Slot(ref, _attr_setter(ds, 'cache_directory')))
            elif md.type == 'NODES':
                slots.extend(_bake_slots(obj, md, where))
    return slots


def _bake_slots(obj, md, where):
    """Geometry-nodes bakes (Blender 4.x+): the modifier's bake folder and bakes with a folder of their own."""
    slots = []
    packed = getattr(md, 'bake_target', 'DISK') == 'PACKED'
    if getattr(md, 'bake_directory', '') and not packed:
        ref = _folder_ref('bake', where, md.bake_directory, obj.library, False)
        slots.append(Slot(ref, _attr_setter(md, 'bake_directory')))
    for bake in getattr(md, 'bakes', ()):
        if getattr(bake, 'use_custom_path', False) and bake.directory and getattr(bake, 'bake_target', 'DISK') != 'PACKED':
            ref = _folder_ref('bake', where + ", bake %d" % bake.bake_id, bake.directory, obj.library, False)
            slots.append(Slot(ref, _attr_setter(bake, 'directory')))
    return slots


def _script_node_slots():
    slots = []
    for owner, tree in _node_trees():
        lib = owner.library
        for node in tree.nodes:
            kind = {'ShaderNodeTexIES': 'ies', 'ShaderNodeScript': 'script'}.get(node.bl_idname)
            if kind is not None and node.mode == 'EXTERNAL' and node.filepath:
                where = "%s '%s', node '%s'" % (type(owner).__name__.lower(), owner.name, node.name)
                slots.append(Slot(_file_ref(kind, where, node.filepath, lib), _attr_setter(node, 'filepath')))
    return slots


def _other_slots(frame_start, frame_end):
    return (_image_slots(frame_start, frame_end) + _strip_slots() + _clip_and_cache_slots()
            + _simple_file_slots('sounds', 'sound')
            + _simple_file_slots('fonts', 'font', skip=lambda f: f.filepath == BUILTIN_FONT)
            + _volume_slots(frame_start, frame_end) + _modifier_slots() + _point_cache_slots()
            + _script_node_slots())


def _default_range(frame_start, frame_end):
    scene = bpy.context.scene
    return (scene.frame_start if frame_start is None else int(frame_start),
            scene.frame_end if frame_end is None else int(frame_end))


# ---------------------------------------------------------------- public API

def walk(frame_start=None, frame_end=None):
    """Every external file reference of the open .blend, deduplicated; the range defaults to the scene's."""
    frame_start, frame_end = _default_range(frame_start, frame_end)
    refs, seen = [], set()
    for slot in _library_slots() + _other_slots(frame_start, frame_end):
        key = json.dumps(slot.ref, sort_keys=True)
        if key not in seen:
            seen.add(key)
            refs.append(slot.ref)
    return refs


def missing(frame_start=None, frame_end=None):
    """The files the walk needs that do not exist here, flattened."""
    return sorted({path for ref in walk(frame_start, frame_end) for path in ref['missing']})


def remap(entries):
    """Points every path stored as entry['from'] at entry['to']; returns error strings (empty: all done).

    An entry may also carry 'library': the absolute path (on this machine,
    after remapping) of the library .blend holding the reference, or None for
    the main file; then only references held there match. Without it, every
    reference with that stored string matches.
    """
    table = {}
    for entry in entries:
        table.setdefault(path_key(entry['from']), []).append(entry)
    errors = []
    rounds = len(entries) + MAX_EXTRA_LIBRARY_ROUNDS
    for _round in range(rounds):
        # One library per round, then re-listed: a reload frees the datablocks (and indirect libraries)
        # that other listed slots point at, and may reveal indirect libraries to remap next.
        if not _apply(_library_slots(), table, errors, first_only=True):
            break
    else:
        errors.append('libraries still changing after %d rounds of remapping: a library cycle?' % rounds)
    frame_start, frame_end = _default_range(None, None)
    _apply(_other_slots(frame_start, frame_end), table, errors)
    # A library that fails in every round says so once.
    return list(dict.fromkeys(errors))


def path_key(stored):
    """A stored path as remap and the allowed-missing list compare it. Windows paths
    (`C:\\x`, `\\\\server\\share`) may come back with forward slashes when Blender on
    another system loads or sets them, so their separators do not count."""
    if '\\' in stored or re.match(r'^[A-Za-z]:/', stored):
        return stored.replace('\\', '/')
    return stored


def _target(slot, table):
    ref = slot.ref
    candidates = list(table.get(path_key(ref['stored']), ()))
    if slot.also_matches is not None:
        candidates += [e for key, entries in table.items() if key != ref['stored'] and slot.also_matches(key) for e in entries]
    for entry in candidates:
        if 'library' not in entry or _same_path(entry['library'], ref['library']):
            return entry['to']
    return None


def _same_path(a, b):
    if a is None or b is None:
        return a is b
    return os.path.normpath(a) == os.path.normpath(b)


def _apply(slots, table, errors, first_only=False):
    """Sets each matching slot once (or only the first that changes); True when a path changed."""
    changed = False
    for slot in slots:
        to = _target(slot, table)
        if to is None or slot.ref['stored'] == to:
            continue
        try:
            slot.setter(to)
            changed = True
            if first_only:
                return True
        except (AttributeError, TypeError, RuntimeError, ValueError, ReferenceError) as error:
            errors.append("%s: cannot set its path %r to %r: %s" % (slot.ref['owner'], slot.ref['stored'], to, error))
    return changed


# ---------------------------------------------------------------- trace script

def python_drivers():
    """Drivers whose expression is Python (not Blender's simple-expression evaluator): they do not run under -Y."""
    count = 0
    for anim in _animation_datas():
        for fcurve in anim.drivers:
            driver = fcurve.driver
            if driver.type == 'SCRIPTED' and not _is_simple(driver):
                count += 1
    return count


def _is_simple(driver):
    if hasattr(driver, 'is_simple_expression'):
        return driver.is_simple_expression
    # Older Blender: only arithmetic on variable names and numbers counts as simple (conservative).
    return re.fullmatch(r'[\w\s.+\-*/%()]*', driver.expression) is not None and '__' not in driver.expression


def _animation_datas():
    for name in dir(bpy.data):
        collection = getattr(bpy.data, name, None)
        if not isinstance(collection, bpy.types.bpy_prop_collection):
            continue
        for block in collection:
            if not isinstance(block, bpy.types.ID):
                continue
            for holder in (block, getattr(block, 'node_tree', None)):
                anim = getattr(holder, 'animation_data', None)
                if anim is not None:
                    yield anim


def scene_facts():
    scene = bpy.context.scene
    render = scene.render
    return {
        'frameStart': scene.frame_start, 'frameEnd': scene.frame_end, 'frameStep': scene.frame_step,
        'fps': render.fps / render.fps_base, 'resolutionX': render.resolution_x,
        'resolutionY': render.resolution_y, 'resolutionPercentage': render.resolution_percentage,
        'fileFormat': render.image_settings.file_format, 'engine': render.engine,
        'hasCamera': scene.camera is not None,
        'cropToBorder': bool(render.use_border and render.use_crop_to_border),
    }


def trace(out_path, frame_start=None, frame_end=None):
    data = {
        'blender': bpy.app.version_string,
        # The version that saved the file, from its header: the node's Blender must be no older.
        'fileVersion': '%d.%d' % tuple(bpy.data.version[:2]),
        'filepath': bpy.data.filepath,
        'scene': scene_facts(),
        'references': walk(frame_start, frame_end),
        'pythonDrivers': python_drivers(),
    }
    tmp = out_path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(data, f)
    # Whole or not at all: a half-written trace must not parse.
    os.replace(tmp, out_path)


def main(argv):
    global _JOB_FRAMES
    if len(argv) not in (2, 4, 5) or argv[0] != 'trace':
        raise SystemExit('usage: microfarm_deps.py -- trace OUT.json [FRAME_START FRAME_END [FRAMES.json]]')
    frames = (int(argv[2]), int(argv[3])) if len(argv) >= 4 else (None, None)
    if len(argv) == 5:
        # The job's frame list, in a file: a million frames do not fit on a command line.
        with open(argv[4], encoding='utf-8') as f:
            _JOB_FRAMES = sorted({int(n) for n in json.load(f)})
    trace(argv[1], *frames)


if __name__ == '__main__':
    main(sys.argv[sys.argv.index('--') + 1:] if '--' in sys.argv else [])
