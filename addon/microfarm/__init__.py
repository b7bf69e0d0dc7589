# MicroFarm's Blender add-on: submit the open .blend to a MicroFarm render farm
# and follow its jobs. One source for Blender 3.x (a legacy add-on: bl_info)
# and 4.2+ (an extension: blender_manifest.toml beside this file). Every farm
# operation runs the `microfarm` CLI in the background and reads its --json.
bl_info = {
    "name": "MicroFarm",
    "author": "MicroFarm",
    "version": (0, 1, 0),
    "blender": (3, 3, 0),
    "location": "Properties > Output > MicroFarm",
    "description": "Submit the scene to a MicroFarm render farm and follow its jobs",
    "category": "Render",
}

import bpy

from . import ops, props, ui

# The timer looks at running commands this often; the job list itself refreshes every session.REFRESH_S.
TICK_S = 0.5

_classes = props.classes + ops.classes + ui.classes


def tick():
    """One look at the background commands (the timer's body; background-mode tests call it themselves)."""
    changed = ops.session.tick()
    if ops.session.refresh_due():
        ops.start_jobs_refresh(bpy.context)
    if ops.session.farms_due():
        ops.start_farms_refresh(bpy.context)
    if changed:
        _redraw()
    return TICK_S


def _redraw():
    wm = getattr(bpy.context, "window_manager", None)
    for window in (wm.windows if wm is not None else []):
        for area in window.screen.areas:
            if area.type == "PROPERTIES":
                area.tag_redraw()


def register():
    for cls in _classes:
        bpy.utils.register_class(cls)
    props.register()
    # persistent: the timer outlives loading another file.
    bpy.app.timers.register(tick, first_interval=TICK_S, persistent=True)


def unregister():
    if bpy.app.timers.is_registered(tick):
        bpy.app.timers.unregister(tick)
    ops.session.stop_all()
    props.unregister()
    for cls in reversed(_classes):
        bpy.utils.unregister_class(cls)
