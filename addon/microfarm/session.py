# What the add-on knows between redraws: the CLI commands running in the
# background, the last job list, what the last submit and check said. Plain
# Python (no bpy): Blender's timer calls tick(), the panel only reads.
import time

from . import farm_cli

# The job list is read again this often while the panel is on screen.
REFRESH_S = 3.0
# The panel counts as visible this long after it was last drawn.
VISIBLE_S = 10.0


class Session(object):
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.tasks = {}
        self.jobs = []
        self.jobs_error = ""
        self.jobs_read_at = None
        self.last_drawn = None
        # What the panel shows of the last submit / check / job control.
        self.submit_text = ""
        self.submit_error = ""
        self.job_id = ""
        self.check_text = ""
        self.missing = []
        self.control_text = ""
        # The farms `microfarm farms --json` found (the panel's farm menu), and when.
        self.farms = []
        self.farms_error = ""
        self.farms_read_at = None

    def busy(self, name):
        return name in self.tasks

    def start(self, name, cli, args, on_done, timeout_s=farm_cli.SHORT_TIMEOUT_S, cwd=None):
        """Runs `cli args` in the background; on_done(Result) is called from tick() when it ends."""
        if name in self.tasks:
            return False
        self.tasks[name] = (farm_cli.BackgroundRun(cli, args, timeout_s=timeout_s, cwd=cwd), on_done)
        return True

    def tick(self):
        """Polls every task without waiting; True when something the panel shows changed."""
        changed = False
        for name, (run, on_done) in list(self.tasks.items()):
            result = run.poll()
            if result is None:
                continue
            del self.tasks[name]
            on_done(result)
            changed = True
        return changed

    def panel_visible(self):
        return self.last_drawn is not None and self.clock() - self.last_drawn < VISIBLE_S

    def refresh_due(self):
        if not self.panel_visible() or self.busy("jobs"):
            return False
        return self.jobs_read_at is None or self.clock() - self.jobs_read_at >= REFRESH_S

    def farms_due(self):
        """The farm list is read once by itself, when the panel is first on screen; the refresh button reads it again."""
        return self.panel_visible() and self.farms_read_at is None and not self.busy("farms")

    def take_farms(self, result):
        """The farm list from `farms --json`, or why there is none (the last list stays)."""
        self.farms_read_at = self.clock()
        farms, self.farms_error = _parsed(result, farm_cli.parse_farms)
        if farms is not None:
            self.farms = farms

    def take_jobs(self, result):
        """The job list from `jobs --json`, or why there is none (the last list stays)."""
        self.jobs_read_at = self.clock()
        jobs, self.jobs_error = _parsed(result, farm_cli.parse_jobs)
        if jobs is not None:
            self.jobs = jobs

    def take_submit(self, result):
        if result.code != 0:
            self.submit_error = farm_cli.first_error(result.stderr, result.code)
            self.submit_text = ""
            self.missing = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
            return
        try:
            reply = farm_cli.parse_submit(result.stdout)
        except ValueError as err:
            self.submit_error = str(err)
            return
        self.job_id = str(reply["jobId"])
        self.submit_error = ""
        frames = reply.get("frames", 0)
        self.submit_text = "job %s submitted: %s frame(s), %s file(s) sent" % (self.job_id, frames, reply.get("filesSent", 0))
        # The new job shows in the list at once, not after the next refresh.
        self.jobs_read_at = None

    def take_check(self, result):
        # Exit 1 with a file list is the CLI's "would be refused": the list says why.
        try:
            reply = farm_cli.parse_check(result.stdout)
        except ValueError:
            self.check_text = farm_cli.first_error(result.stderr, result.code)
            self.missing = []
            return
        self.missing = farm_cli.describe_missing(reply.get("missing", []))
        files = len(reply.get("files", []))
        self.check_text = "%d file(s), %s: %s" % (files, _size(reply.get("bytes", 0)),
                                                 "%d missing" % len(self.missing) if self.missing else "nothing missing")

    def stop_all(self):
        for run, _ in self.tasks.values():
            run.stop()
        self.tasks.clear()


def _parsed(result, parse):
    """(what a --json command printed, "") or (None, why it is not there)."""
    if result.code != 0:
        return None, farm_cli.first_error(result.stderr, result.code)
    try:
        return parse(result.stdout), ""
    except ValueError as err:
        return None, str(err)


def _size(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (n, unit)
        n /= 1024.0
