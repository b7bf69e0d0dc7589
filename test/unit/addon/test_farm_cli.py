# The add-on's parts without bpy, run with any Python 3 by test/integration/blender-addon.test.ts
# (python3 -m unittest). The package is loaded without its __init__.py, which needs Blender.
import importlib
import json
import os
import sys
import types
import unittest

# No __pycache__ left in the add-on's folder (it ships as is).
sys.dont_write_bytecode = True
ADDON = os.path.join(os.path.dirname(__file__), "..", "..", "..", "addon", "microfarm")
package = types.ModuleType("microfarm_pure")
package.__path__ = [os.path.abspath(ADDON)]
sys.modules["microfarm_pure"] = package
farm_cli = importlib.import_module("microfarm_pure.farm_cli")
session_module = importlib.import_module("microfarm_pure.session")

SETTINGS = {"frames": "1-3", "chunk": 2, "format": "PNG", "priority": 5, "codec": "h265", "quality": "low",
            "encode": False, "owner": "", "allow_missing": False}


class FindCli(unittest.TestCase):
    def test_the_preferences_path_wins_and_must_exist(self):
        self.assertEqual(farm_cli.find_cli("/opt/mf", which=lambda _: "/usr/bin/microfarm", is_file=lambda p: True), "/opt/mf")
        with self.assertRaises(farm_cli.CliMissing) as raised:
            farm_cli.find_cli("/opt/mf", which=lambda _: "/usr/bin/microfarm", is_file=lambda p: False)
        self.assertIn("not found at /opt/mf", str(raised.exception))

    def test_path_then_what_to_install(self):
        self.assertEqual(farm_cli.find_cli("", which=lambda _: "/usr/bin/microfarm"), "/usr/bin/microfarm")
        with self.assertRaises(farm_cli.CliMissing) as raised:
            farm_cli.find_cli("", which=lambda _: None)
        self.assertIn("was not found on PATH. Install Node.js 20.19 or newer", str(raised.exception))


class Arguments(unittest.TestCase):
    def test_scene_frames_in_the_cli_syntax(self):
        self.assertEqual(farm_cli.scene_frames(1, 250, 1), "1-250")
        self.assertEqual(farm_cli.scene_frames(1, 99, 2), "1-99x2")
        self.assertEqual(farm_cli.scene_frames(7, 7, 1), "7")

    def test_submit_args(self):
        self.assertEqual(farm_cli.submit_args("/p/shot.blend", SETTINGS, blender="/usr/bin/blender"), [
            "submit", "/p/shot.blend", "--json", "--frames", "1-3", "--chunk", "2", "--format", "PNG", "--priority", "5",
            "--codec", "h265", "--quality", "low", "--no-encode", "--blender", "/usr/bin/blender"])
        check = farm_cli.submit_args("/p/shot.blend", dict(SETTINGS, encode=True, owner="ann", allow_missing=True), check=True)
        self.assertEqual(check[-4:], ["--as", "ann", "--allow-missing", "--dry-run"])
        self.assertNotIn("--no-encode", check)

    def test_farm_args(self):
        self.assertEqual(farm_cli.farm_args("/ip4/1.2.3.4/tcp/9/p2p/x", "studio"), ["--coordinator", "/ip4/1.2.3.4/tcp/9/p2p/x"])
        self.assertEqual(farm_cli.farm_args("", "studio"), ["--farm", "studio"])
        self.assertEqual(farm_cli.farm_args("", ""), [])


class Outputs(unittest.TestCase):
    def test_submit_reply_and_errors(self):
        self.assertEqual(farm_cli.parse_submit('{"jobId":"3","frames":3,"filesSent":1,"bytesSent":9}\n')["jobId"], "3")
        with self.assertRaises(ValueError):
            farm_cli.parse_submit('{"files":[]}')
        self.assertEqual(farm_cli.first_error("noise\nmicrofarm: no coordinator found\n", 1), "no coordinator found")
        self.assertEqual(farm_cli.first_error("", 2), "microfarm exited with code 2")

    def test_missing_files_as_the_cli_says_them(self):
        missing = [{"kind": "image", "owner": "IM:wood", "stored": "//tex/wood.png", "resolved": "/p/tex/wood.png"},
                   {"kind": "image", "owner": "IM:x", "stored": "/abs/x.png", "resolved": "/abs/x.png"}]
        self.assertEqual(farm_cli.describe_missing(missing), ["IM:wood: //tex/wood.png (looked for /p/tex/wood.png)", "IM:x: /abs/x.png"])

    def test_own_jobs_and_download_folder(self):
        job = {"id": "12", "name": "my shot.blend", "owner": {"peerId": "p", "name": "ann@box"}}
        self.assertTrue(farm_cli.is_own(job, "ann@box"))
        self.assertFalse(farm_cli.is_own(job, "bob@box"))
        self.assertFalse(farm_cli.is_own({"id": "1"}, "ann@box"))
        self.assertEqual(farm_cli.download_dir("/p/my shot.blend", job), os.path.join("/p", "my_shot_12"))


class FarmMenu(unittest.TestCase):
    FARMS = [
        {"name": "studio", "peerId": "a", "addresses": [], "private": True, "source": "local", "sources": ["local", "mdns"]},
        {"name": "studio", "peerId": "b", "addresses": [], "private": False, "source": "mdns", "sources": ["mdns"]},
        {"name": None, "peerId": "c", "addresses": [], "private": False, "source": "known", "sources": ["known"]},
        {"name": "home", "peerId": "d", "addresses": [], "private": False, "source": "known", "sources": ["known"]},
    ]

    def test_the_cli_search_first_then_each_name_once_numbered_in_order(self):
        menu = farm_cli.farm_menu(self.FARMS, "")
        self.assertEqual([(i[0], i[1], i[3]) for i in menu], [
            ("ANY", "(any: the CLI's own search)", 0), ("farm:studio", "studio", 1), ("farm:home", "home", 2)])
        self.assertEqual(menu[1][2], "private farm, on this machine, answers on mDNS")
        self.assertEqual(menu[2][2], "open farm, used last")

    def test_a_chosen_farm_not_found_stays_in_the_menu(self):
        self.assertEqual(farm_cli.farm_menu([], "typed")[-1][:2], ("farm:typed", "typed (typed; not found)"))
        self.assertEqual(len(farm_cli.farm_menu(self.FARMS, "home")), 3, "found: listed once")

    def test_identifiers_back_to_names(self):
        self.assertEqual(farm_cli.farm_of("farm:ANY"), "ANY")
        self.assertEqual(farm_cli.farm_of("ANY"), "")

    def test_farms_json_must_be_a_list_of_objects(self):
        self.assertEqual(farm_cli.parse_farms(json.dumps(self.FARMS))[0]["name"], "studio")
        with self.assertRaises(ValueError):
            farm_cli.parse_farms('{"name": "studio"}')
        with self.assertRaises(ValueError):
            farm_cli.parse_farms("no farms found")


class FakeProcess(object):
    def __init__(self, out, code):
        self.out, self.code, self.ended, self.killed = out, code, False, False

    def poll(self):
        return self.code if self.ended else None

    def kill(self):
        self.killed, self.ended = True, True

    def wait(self):
        return self.code


class SessionTicks(unittest.TestCase):
    def setUp(self):
        self.now = [100.0]
        self.procs = []

        def popen(argv, stdout, stderr, **kw):
            proc = FakeProcess(stdout, -9)
            self.procs.append(proc)
            return proc
        self.popen = popen
        self.session = session_module.Session(clock=lambda: self.now[0])

    def start(self, name, on_done, timeout_s=10):
        run = farm_cli.BackgroundRun("microfarm", ["jobs"], timeout_s=timeout_s, popen=self.popen, clock=lambda: self.now[0])
        self.session.tasks[name] = (run, on_done)
        return run

    def test_a_task_ends_only_when_its_process_did(self):
        done = []
        run = self.start("jobs", done.append)
        self.assertFalse(self.session.tick())
        run._out.write(json.dumps([{"id": "1"}]).encode())
        self.procs[0].code, self.procs[0].ended = 0, True
        self.assertTrue(self.session.tick())
        self.assertEqual(done[0].stdout, '[{"id": "1"}]')
        self.assertFalse(self.session.busy("jobs"))

    def test_a_task_past_its_deadline_is_killed_and_says_so(self):
        done = []
        self.start("submit", done.append, timeout_s=5)
        self.now[0] += 6
        self.assertTrue(self.session.tick())
        self.assertTrue(self.procs[0].killed)
        self.assertIn("took too long", farm_cli.first_error(done[0].stderr, done[0].code))

    def test_the_list_refreshes_only_while_the_panel_is_seen(self):
        self.assertFalse(self.session.refresh_due(), "never drawn")
        self.session.last_drawn = self.now[0]
        self.assertTrue(self.session.refresh_due())
        self.session.take_jobs(farm_cli.Result(0, "[]", ""))
        self.assertFalse(self.session.refresh_due(), "just read")
        self.now[0] += session_module.REFRESH_S
        self.assertTrue(self.session.refresh_due())
        self.now[0] += session_module.VISIBLE_S
        self.assertFalse(self.session.refresh_due(), "panel closed")

    def test_the_farm_list_is_read_once_by_itself_and_kept_when_a_refresh_fails(self):
        self.assertFalse(self.session.farms_due(), "never drawn")
        self.session.last_drawn = self.now[0]
        self.assertTrue(self.session.farms_due())
        self.session.take_farms(farm_cli.Result(0, '[{"name": "studio", "peerId": "a"}]', ""))
        self.assertFalse(self.session.farms_due(), "then only the refresh button reads it")
        self.session.take_farms(farm_cli.Result(1, "", "microfarm: mDNS: boom\n"))
        self.assertEqual(self.session.farms_error, "mDNS: boom")
        self.assertEqual([f["name"] for f in self.session.farms], ["studio"])

    def test_what_the_panel_shows_of_a_submit(self):
        self.session.take_submit(farm_cli.Result(0, '{"jobId":"4","frames":3,"filesSent":2,"bytesSent":1}\n', ""))
        self.assertEqual(self.session.submit_text, "job 4 submitted: 3 frame(s), 2 file(s) sent")
        self.session.take_submit(farm_cli.Result(1, "", "1 file(s) the scene needs are missing:\n  IM:a: //a.png\nnothing was sent: put …\n"))
        self.assertEqual(self.session.missing, ["IM:a: //a.png"])
        self.assertEqual(self.session.submit_error, "nothing was sent: put …")


if __name__ == "__main__":
    unittest.main()
