# Operators: each starts a CLI command in the background and returns at once;
# the add-on's timer (see __init__.py) picks up what it printed.
import os

import bpy

from . import farm_cli
from .props import owner_name, preferences, submit_settings
from .session import Session

session = Session()


def _cli(context):
    return farm_cli.find_cli(preferences(context).cli_path)


def _farm(context):
    return farm_cli.farm_args(preferences(context).coordinator, context.scene.microfarm.farm)


def _say(line):
    # Blender's console (and a test's log) sees what the panel shows.
    print("MicroFarm: " + line)


def start_jobs_refresh(context):
    """`microfarm jobs --json` in the background; the list changes when it answers."""
    try:
        session.start("jobs", _cli(context), ["jobs", "--json"] + _farm(context), session.take_jobs)
    except farm_cli.CliMissing as err:
        session.jobs_error = str(err)
        session.jobs_read_at = session.clock()


def start_farms_refresh(context):
    """`microfarm farms --json` in the background; the farm menu changes when it answers."""
    try:
        session.start("farms", _cli(context), farm_cli.FARMS_ARGS, session.take_farms)
    except farm_cli.CliMissing as err:
        session.farms_error = str(err)
        session.farms_read_at = session.clock()


class MICROFARM_OT_refresh_farms(bpy.types.Operator):
    """Look for farms again: the ones this machine knows and those answering on the network (microfarm farms)"""
    bl_idname = "microfarm.refresh_farms"
    bl_label = "Refresh Farms"

    @classmethod
    def poll(cls, context):
        return not session.busy("farms")

    def execute(self, context):
        start_farms_refresh(context)
        return {"FINISHED"}


class MICROFARM_OT_submit(bpy.types.Operator):
    """Send this .blend to the farm as a new job (saved first when it has unsaved changes)"""
    bl_idname = "microfarm.submit"
    bl_label = "Submit to MicroFarm"

    @classmethod
    def poll(cls, context):
        return not session.busy("submit")

    def invoke(self, context, event):
        if bpy.data.is_dirty and bpy.data.filepath:
            # Saving is the user's decision: ask before writing their file.
            return context.window_manager.invoke_props_dialog(self)
        return self.execute(context)

    def draw(self, context):
        self.layout.label(text="The file has unsaved changes: save it and submit?")

    def execute(self, context):
        try:
            # Before saving anything: without the CLI nothing can be submitted.
            cli = _cli(context)
        except farm_cli.CliMissing as err:
            session.submit_error = str(err)
            _say(str(err))
            self.report({"ERROR"}, str(err))
            return {"CANCELLED"}
        if not bpy.data.filepath:
            self.report({"ERROR"}, "Save the .blend first (File > Save As): the farm renders the saved file")
            return {"CANCELLED"}
        if bpy.data.is_dirty:
            bpy.ops.wm.save_mainfile()
        session.start("submit", cli, submit_args_for(context) + _farm(context), _submitted, timeout_s=farm_cli.SUBMIT_TIMEOUT_S)
        session.submit_error = ""
        session.submit_text = "submitting…"
        return {"FINISHED"}


def submit_args_for(context, check=False):
    return farm_cli.submit_args(bpy.data.filepath, submit_settings(context.scene, preferences(context)),
                                blender=bpy.app.binary_path or None, check=check)


def _submitted(result):
    session.take_submit(result)
    _say(session.submit_error or session.submit_text)


class MICROFARM_OT_check(bpy.types.Operator):
    """List the files the job would carry and which are missing, as submit would (sends nothing)"""
    bl_idname = "microfarm.check"
    bl_label = "Check Files"

    @classmethod
    def poll(cls, context):
        return bool(bpy.data.filepath) and not session.busy("check")

    def execute(self, context):
        if bpy.data.is_dirty:
            self.report({"WARNING"}, "Checking the saved file: unsaved changes are not in it")
        try:
            session.start("check", _cli(context), submit_args_for(context, check=True), _checked)
        except farm_cli.CliMissing as err:
            session.check_text = str(err)
            self.report({"ERROR"}, str(err))
            return {"CANCELLED"}
        session.check_text = "checking…"
        return {"FINISHED"}


def _checked(result):
    session.take_check(result)
    _say(session.check_text)
    for line in session.missing:
        _say("  " + line)


class MICROFARM_OT_refresh(bpy.types.Operator):
    """Read the farm's job list now"""
    bl_idname = "microfarm.refresh"
    bl_label = "Refresh Jobs"

    def execute(self, context):
        start_jobs_refresh(context)
        return {"FINISHED"}


class MICROFARM_OT_job_action(bpy.types.Operator):
    """Cancel, pause or resume one of your jobs (the farm refuses other people's)"""
    bl_idname = "microfarm.job_action"
    bl_label = "Job Action"

    action: bpy.props.EnumProperty(items=[("cancel", "Cancel", ""), ("pause", "Pause", ""), ("resume", "Resume", "")])
    job_id: bpy.props.StringProperty()

    def execute(self, context):
        name = "control"
        if session.busy(name):
            self.report({"WARNING"}, "another job action is on its way")
            return {"CANCELLED"}
        try:
            session.start(name, _cli(context), [self.action, self.job_id] + _farm(context), _controlled)
        except farm_cli.CliMissing as err:
            self.report({"ERROR"}, str(err))
            return {"CANCELLED"}
        session.control_text = "%s job %s…" % (self.action, self.job_id)
        return {"FINISHED"}


def _controlled(result):
    session.control_text = result.stdout.strip() if result.code == 0 else farm_cli.first_error(result.stderr, result.code)
    session.jobs_read_at = None
    _say(session.control_text)


class MICROFARM_OT_open_output(bpy.types.Operator):
    """Open the job's frames: its download beside the .blend, the coordinator's folder when it is on this machine, else download them first"""
    bl_idname = "microfarm.open_output"
    bl_label = "Open Output"

    job_id: bpy.props.StringProperty()

    def execute(self, context):
        job = next((j for j in session.jobs if str(j.get("id")) == self.job_id), None)
        if job is None:
            self.report({"ERROR"}, "job %s is not in the list; refresh it" % self.job_id)
            return {"CANCELLED"}
        here = farm_cli.download_dir(bpy.data.filepath, job)
        for folder in (here, job.get("outputDir", "")):
            if folder and os.path.isdir(folder):
                open_folder(folder)
                return {"FINISHED"}
        try:
            session.start("download", _cli(context), ["download", self.job_id, here, "--json"] + _farm(context),
                          lambda result: _downloaded(result, here), timeout_s=farm_cli.SUBMIT_TIMEOUT_S)
        except farm_cli.CliMissing as err:
            self.report({"ERROR"}, str(err))
            return {"CANCELLED"}
        session.control_text = "downloading job %s to %s…" % (self.job_id, here)
        return {"FINISHED"}


def _downloaded(result, folder):
    if result.code != 0:
        session.control_text = farm_cli.first_error(result.stderr, result.code)
    else:
        open_folder(folder)
    _say(session.control_text)


def open_folder(folder):
    session.control_text = "opened " + folder
    # In background mode there is no desktop to open it on.
    if not bpy.app.background:
        bpy.ops.wm.path_open(filepath=folder)


def is_own(job, context):
    return farm_cli.is_own(job, owner_name(preferences(context)))


classes = (MICROFARM_OT_submit, MICROFARM_OT_check, MICROFARM_OT_refresh, MICROFARM_OT_refresh_farms, MICROFARM_OT_job_action, MICROFARM_OT_open_output)
