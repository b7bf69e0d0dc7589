# The add-on's whole contact with the farm: it runs the `microfarm` CLI and
# reads its --json output (README: "The add-on and the CLI"). No bpy here, so
# these parts are unit-tested with any Python 3.
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

INSTALL_HINT = (
    "MicroFarm's command-line tool `microfarm` was not found{where}. Install Node.js 20.19 or newer "
    "and MicroFarm (in its checkout: `npm install`, then `npm link`, which puts `microfarm` on PATH), "
    "or set the path to its bin/microfarm in Edit > Preferences > Add-ons > MicroFarm."
)

# Tasks left running longer than this are stopped: an upload may be long, a list is not.
SUBMIT_TIMEOUT_S = 3600.0
SHORT_TIMEOUT_S = 120.0


class CliMissing(Exception):
    """No usable `microfarm` executable: the message says what to install or set."""


def find_cli(configured="", which=shutil.which, is_file=os.path.isfile):
    """The CLI to run: the path set in the preferences, else `microfarm` on PATH."""
    if configured:
        path = os.path.expanduser(configured)
        if is_file(path):
            return path
        raise CliMissing(INSTALL_HINT.format(where=" at " + path + " (the path in the add-on's preferences)"))
    found = which("microfarm")
    if found:
        return found
    raise CliMissing(INSTALL_HINT.format(where=" on PATH"))


def farm_args(coordinator="", farm=""):
    """How the CLI finds the farm: an address wins, else a farm name, else the CLI's own search."""
    if coordinator:
        return ["--coordinator", coordinator]
    return ["--farm", farm] if farm else []


def scene_frames(start, end, step):
    """The scene's range in the CLI's frame-list syntax (`1-250`, `1-99x2`)."""
    text = "%d-%d" % (start, end) if end != start else "%d" % start
    return text + ("x%d" % step if step > 1 else "")


def submit_args(blend, settings, blender=None, check=False):
    """`microfarm submit FILE … --json` for the panel's settings (a dict, see props.submit_settings)."""
    args = ["submit", blend, "--json", "--frames", settings["frames"], "--chunk", str(settings["chunk"]),
            "--format", settings["format"], "--priority", str(settings["priority"]),
            "--codec", settings["codec"], "--quality", settings["quality"]]
    if not settings["encode"]:
        args.append("--no-encode")
    if settings.get("owner"):
        args += ["--as", settings["owner"]]
    if settings.get("allow_missing"):
        args.append("--allow-missing")
    if blender:
        # The trace of the scene's files uses this Blender: the one that saved the file.
        args += ["--blender", blender]
    if check:
        args.append("--dry-run")
    return args


def parse_submit(stdout):
    """submit --json's one line: {jobId, frames, filesSent, bytesSent}."""
    reply = _last_json(stdout)
    if not isinstance(reply, dict) or "jobId" not in reply:
        raise ValueError("microfarm submit printed no job: %r" % stdout[-300:])
    return reply


def parse_check(stdout):
    """submit --dry-run --json: {files: [{path, size, source}], missing: [{stored, owner, …}], bytes}."""
    reply = _last_json(stdout)
    if not isinstance(reply, dict) or "files" not in reply:
        raise ValueError("microfarm submit --dry-run printed no file list: %r" % stdout[-300:])
    return reply


def parse_jobs(stdout):
    """jobs --json: a list of job summaries (README: `microfarm jobs`)."""
    jobs = json.loads(stdout)
    if not isinstance(jobs, list):
        raise ValueError("microfarm jobs --json printed no list")
    return jobs


FARMS_ARGS = ["farms", "--json"]

# The farm menu's identifiers: the CLI's own search, or "farm:" + a farm's name (no name can collide with ANY_FARM).
ANY_FARM = "ANY"
FARM_PREFIX = "farm:"
_FOUND = {"local": "on this machine", "mdns": "answers on mDNS", "known": "used last"}


def parse_farms(stdout):
    """farms --json: a list of {name, peerId, addresses, private, source, sources} (README: `microfarm farms`)."""
    farms = json.loads(stdout)
    if not isinstance(farms, list) or not all(isinstance(f, dict) for f in farms):
        raise ValueError("microfarm farms --json printed no list of farms: %r" % stdout[-300:])
    return farms


def farm_menu(farms, chosen):
    """
    The farm menu's items, (identifier, label, description, number): the CLI's
    own search first, each farm name once (--farm picks by name), then the
    chosen name when no farm found has it (typed by hand, or not answering now),
    so the menu never loses the scene's setting.
    """
    items = [(ANY_FARM, "(any: the CLI's own search)", "No --farm: the farm used last, the one on this machine, or the only one answering")]
    seen = set()
    for farm in farms:
        name = farm.get("name")
        if not isinstance(name, str) or not name or name in seen:
            continue
        seen.add(name)
        found = ", ".join(_FOUND.get(s, s) for s in farm.get("sources", []) if isinstance(s, str))
        items.append((FARM_PREFIX + name, name, "%s farm, %s" % ("private" if farm.get("private") else "open", found or "found")))
    if chosen and chosen not in seen:
        items.append((FARM_PREFIX + chosen, chosen + " (typed; not found)", "Not in the last list of farms: passed to the CLI as --farm as typed"))
    return [item + (i,) for i, item in enumerate(items)]


def farm_of(identifier):
    """The farm name a menu identifier stands for ("" for the CLI's own search)."""
    return identifier[len(FARM_PREFIX):] if identifier.startswith(FARM_PREFIX) else ""


def describe_missing(missing):
    """One line a missing file, as the CLI says it (`owner: stored (looked for resolved)`)."""
    lines = []
    for m in missing:
        stored, resolved = m.get("stored", "?"), m.get("resolved", "")
        lines.append("%s: %s%s" % (m.get("owner", "?"), stored, " (looked for %s)" % resolved if resolved and resolved != stored else ""))
    return lines


def first_error(stderr, code):
    """What to show when the CLI failed: its own `microfarm: …` line, else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("microfarm: "):
            return line[len("microfarm: "):]
    return lines[-1] if lines else "microfarm exited with code %s" % code


def default_owner():
    """user@host as the CLI names a submitter by default (Node's userInfo() reads the password database)."""
    import socket
    try:
        import pwd
        user = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        import getpass
        user = getpass.getuser()
    return "%s@%s" % (user, socket.gethostname())


def is_own(job, owner):
    owner_field = job.get("owner")
    return isinstance(owner_field, dict) and owner_field.get("name") == owner


def download_dir(blend, job):
    """Where the add-on downloads a job: beside the .blend, `<job name>_<id>` as `microfarm download` names it."""
    stem = os.path.splitext(os.path.basename(job.get("name", "job")))[0] or "job"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
    return os.path.join(os.path.dirname(blend) or ".", "%s_%s" % (safe, job["id"]))


class Result(object):
    def __init__(self, code, stdout, stderr):
        self.code = code
        self.stdout = stdout
        self.stderr = stderr


class BackgroundRun(object):
    """
    One CLI command in the background. Output goes to temporary files, not
    pipes, so nothing fills up while Blender's timer looks in only now and then,
    and `poll()` never blocks.
    """

    def __init__(self, cli, args, timeout_s=SHORT_TIMEOUT_S, cwd=None, popen=subprocess.Popen, clock=time.monotonic):
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        self._clock = clock
        self.deadline = clock() + timeout_s
        self.argv = [cli] + list(args)
        try:
            self.proc = popen(self.argv, stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL, cwd=cwd,
                              **_no_window())
        except OSError as err:
            self._close()
            raise CliMissing(INSTALL_HINT.format(where=" (running %s failed: %s)" % (cli, err)))

    def poll(self):
        """None while it runs; its Result once it ended (killed past its deadline)."""
        code = self.proc.poll()
        if code is None:
            if self._clock() < self.deadline:
                return None
            self.proc.kill()
            code = self.proc.wait()
            self._err.write(b"\nmicrofarm: stopped by the add-on: it took too long")
        result = Result(code, self._read(self._out), self._read(self._err))
        self._close()
        return result

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close()

    @staticmethod
    def _read(f):
        f.seek(0)
        return f.read().decode("utf-8", "replace")

    def _close(self):
        self._out.close()
        self._err.close()


def _no_window():
    # On Windows a console program started from Blender would flash a console window.
    return {"creationflags": 0x08000000} if sys.platform == "win32" else {}


def _last_json(stdout):
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{") or line.startswith("["):
            return json.loads(line)
    raise ValueError("no JSON in: %r" % stdout[-300:])
