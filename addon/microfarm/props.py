# The panel's settings (saved with the scene) and the add-on's preferences.
import bpy

from . import farm_cli


# Blender keeps only pointers to the strings an items callback returns: the
# last menu is held here so Python does not free them under Blender's menu.
_farm_menu_items = []


def _menu(settings):
    from .ops import session  # ops imports this module: the session is there once both are loaded
    return farm_cli.farm_menu(session.farms, settings.farm)


def farm_menu(settings, context):
    """The farm menu's items (the EnumProperty's callback): the farms the last `farms --json` listed."""
    global _farm_menu_items
    items = _menu(settings)
    if items != _farm_menu_items:
        # Replaced only when it changed: a menu on screen keeps pointing at live strings.
        _farm_menu_items = items
    return _farm_menu_items


# The menu stores nothing of its own: it shows and sets `farm`, the name the
# CLI gets (saved with the scene, typed by hand when the menu lacks the farm).
def _get_farm_choice(settings):
    wanted = farm_cli.FARM_PREFIX + settings.farm if settings.farm else farm_cli.ANY_FARM
    return next((item[3] for item in _menu(settings) if item[0] == wanted), 0)


def _set_farm_choice(settings, value):
    identifier = next((item[0] for item in _menu(settings) if item[3] == value), farm_cli.ANY_FARM)
    settings.farm = farm_cli.farm_of(identifier)


class MicroFarmSettings(bpy.types.PropertyGroup):
    override_frames: bpy.props.BoolProperty(name="Override Frames", description="Render other frames than the scene's range", default=False)
    frames: bpy.props.StringProperty(name="Frames", description="Frames like 1-250, 1-100,120,130-140 or 1-99x2 (every 2nd)", default="")
    chunk: bpy.props.IntProperty(name="Chunk", description="Frames per task handed to a node", default=1, min=1, soft_max=100)
    format: bpy.props.EnumProperty(name="Format", description="Image format of the frames", items=[
        ("PNG", "PNG", ""), ("JPEG", "JPEG", ""), ("OPEN_EXR", "OpenEXR", "")], default="PNG")
    priority: bpy.props.IntProperty(name="Priority", description="Higher runs first", default=0)
    encode: bpy.props.BoolProperty(name="Video", description="Make a video when the job completes", default=True)
    codec: bpy.props.EnumProperty(name="Codec", items=[("h264", "H.264", ""), ("h265", "H.265", ""), ("prores", "ProRes", "")], default="h264")
    quality: bpy.props.EnumProperty(name="Quality", items=[("high", "High", ""), ("medium", "Medium", ""), ("low", "Low", "")], default="high")
    farm: bpy.props.StringProperty(name="Farm", description="The farm's name, passed to the CLI as --farm (empty: the CLI's own search: the one used last, or the only one)", default="")
    farm_choice: bpy.props.EnumProperty(name="Farm", description="The farm to submit to, from `microfarm farms` (refresh to look again)",
                                        items=farm_menu, get=_get_farm_choice, set=_set_farm_choice)
    farm_by_hand: bpy.props.BoolProperty(name="Type the Farm's Name", description="Type the farm's name, for a farm the list does not show", default=False)
    allow_missing: bpy.props.BoolProperty(name="Allow Missing Files", description="Submit although files the scene needs are missing here", default=False)


class MicroFarmPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    cli_path: bpy.props.StringProperty(name="microfarm CLI", subtype="FILE_PATH", default="",
                                       description="Path to the microfarm command (bin/microfarm of a checkout); empty: found on PATH")
    coordinator: bpy.props.StringProperty(name="Coordinator", default="",
                                          description="Coordinator address /ip4/…/tcp/…/p2p/…; empty: the CLI finds the farm itself")
    owner: bpy.props.StringProperty(name="Submit As", default="", description="The name you are shown by as a job's owner; empty: user@host")

    def draw(self, context):
        layout = self.layout
        layout.prop(self, "cli_path")
        layout.prop(self, "coordinator")
        layout.prop(self, "owner")
        try:
            layout.label(text="Using " + farm_cli.find_cli(self.cli_path))
        except farm_cli.CliMissing as err:
            for line in _wrap(str(err), 90):
                layout.label(text=line)


def preferences(context):
    return context.preferences.addons[__package__].preferences


def owner_name(prefs):
    return prefs.owner or farm_cli.default_owner()


def submit_settings(scene, prefs):
    """The panel's choices as farm_cli.submit_args takes them."""
    s = scene.microfarm
    frames = s.frames if s.override_frames and s.frames.strip() else farm_cli.scene_frames(scene.frame_start, scene.frame_end, scene.frame_step)
    return {"frames": frames, "chunk": s.chunk, "format": s.format, "priority": s.priority, "codec": s.codec,
            "quality": s.quality, "encode": s.encode, "owner": prefs.owner, "allow_missing": s.allow_missing}


def _wrap(text, width):
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = (line + " " + word).strip()
    return lines + ([line] if line else [])


classes = (MicroFarmSettings, MicroFarmPreferences)


def register():
    bpy.types.Scene.microfarm = bpy.props.PointerProperty(type=MicroFarmSettings)


def unregister():
    del bpy.types.Scene.microfarm
