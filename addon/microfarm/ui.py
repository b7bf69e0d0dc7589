# The panel in Output Properties. draw() only reads: every command runs from
# an operator or the timer, never from here.
import bpy

from . import farm_cli
from .ops import is_own, session
from .props import preferences

# Newest first; older jobs stay in `microfarm jobs`.
JOBS_SHOWN = 12
RUNNING = ("queued", "active")


class MICROFARM_PT_panel(bpy.types.Panel):
    bl_label = "MicroFarm"
    bl_space_type = "PROPERTIES"
    bl_region_type = "WINDOW"
    bl_context = "output"

    def draw(self, context):
        # Seen now: the timer keeps the job list fresh while this is on screen.
        session.last_drawn = session.clock()
        layout = self.layout
        scene = context.scene
        s = scene.microfarm
        col = layout.column()
        row = col.row()
        row.prop(s, "override_frames")
        if s.override_frames:
            row.prop(s, "frames", text="")
        else:
            row.label(text="Scene: " + farm_cli.scene_frames(scene.frame_start, scene.frame_end, scene.frame_step))
        row = col.row()
        row.prop(s, "chunk")
        row.prop(s, "priority")
        col.prop(s, "format")
        row = col.row()
        row.prop(s, "encode")
        sub = row.row()
        sub.enabled = s.encode
        sub.prop(s, "codec", text="")
        sub.prop(s, "quality", text="")
        _farm(col, context)
        col.prop(s, "allow_missing")

        row = layout.row()
        row.operator("microfarm.check", icon="VIEWZOOM")
        row.operator("microfarm.submit", icon="EXPORT")
        _messages(layout)
        _jobs(layout, context)


def _farm(col, context):
    if preferences(context).coordinator:
        # farm_cli.farm_args: an address in the preferences wins over any farm name.
        col.label(text="Farm: the coordinator set in the add-on's preferences", icon="LINKED")
        return
    s = context.scene.microfarm
    row = col.row(align=True)
    row.prop(s, "farm" if s.farm_by_hand else "farm_choice")
    row.prop(s, "farm_by_hand", text="", icon="GREASEPENCIL")
    row.operator("microfarm.refresh_farms", text="", icon="FILE_REFRESH")
    if session.busy("farms"):
        col.label(text="looking for farms…", icon="TIME")
    elif session.farms_error:
        _lines(col, session.farms_error, "ERROR")


def _messages(layout):
    if session.submit_error:
        _lines(layout, session.submit_error, "ERROR")
    elif session.submit_text:
        layout.label(text=session.submit_text, icon="CHECKMARK" if session.job_id else "TIME")
    if session.check_text:
        layout.label(text=session.check_text, icon="FILE_BLEND")
    for line in session.missing[:10]:
        layout.label(text=line, icon="LIBRARY_DATA_BROKEN")
    if len(session.missing) > 10:
        layout.label(text="… %d more" % (len(session.missing) - 10))
    if session.control_text:
        layout.label(text=session.control_text, icon="INFO")


def _jobs(layout, context):
    box = layout.box()
    row = box.row()
    row.label(text="Jobs")
    row.operator("microfarm.refresh", text="", icon="FILE_REFRESH")
    if session.jobs_error:
        _lines(box, session.jobs_error, "ERROR")
    for job in sorted(session.jobs, key=lambda j: -int(j.get("id", 0)))[:JOBS_SHOWN]:
        row = box.row(align=True)
        done, total = job.get("framesDone", 0), job.get("framesTotal", 0)
        percent = " %d%%" % (100 * done // total) if total else ""
        row.label(text="%s %s" % (job.get("id"), job.get("name", "")))
        row.label(text="%s %d/%d%s" % (job.get("state", "?"), done, total, percent))
        if is_own(job, context):
            state = job.get("state")
            if state in RUNNING:
                _action(row, job, "pause", "PAUSE")
            if state == "paused":
                _action(row, job, "resume", "PLAY")
            if state in RUNNING or state == "paused":
                _action(row, job, "cancel", "X")
        op = row.operator("microfarm.open_output", text="", icon="FILE_FOLDER")
        op.job_id = str(job.get("id"))
        if job.get("waitingFor"):
            box.label(text="waiting: " + job["waitingFor"], icon="TIME")
        if job.get("error"):
            box.label(text=job["error"], icon="ERROR")


def _action(row, job, action, icon):
    op = row.operator("microfarm.job_action", text="", icon=icon)
    op.action = action
    op.job_id = str(job.get("id"))


def _lines(layout, text, icon):
    # Labels do not wrap: long messages (the install hint) go on several lines.
    from .props import _wrap
    for i, line in enumerate(_wrap(text, 70)):
        layout.label(text=line, icon=icon if i == 0 else "BLANK1")


classes = (MICROFARM_PT_panel,)
