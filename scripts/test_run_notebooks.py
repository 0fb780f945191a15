"""Tests of the incremental report runner (run by `make test` with the project's venv):
which notebooks re-execute after which change, in which order the lanes take them, and how a
lane's build directory is synchronised."""

import json
import pathlib
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run_notebooks as rn  # noqa: E402

NAMES = ["01_a", "02_b", "03_c", "04_d", "05_e", "06_f", "07_g", "08_h", "09_i", "10_j"]


class Incremental(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.dir.name)
        (self.root / "src").mkdir()
        (self.root / "src" / "lib.rs").write_text("pub fn f() {}\n")
        (self.root / "notebooks").mkdir()
        (self.root / "notebooks" / "evcxr.toml").write_text("[evcxr]\n")
        (self.root / "input.csv").write_text("ID\n1\n")
        self.notebooks = []
        for name in NAMES:
            p = self.root / "notebooks" / f"{name}.ipynb"
            p.write_text(json.dumps({"cells": [], "name": name}))
            self.notebooks.append(p)
        self.reports = self.root / "reports"
        self.reports.mkdir()
        self.data = self.root / "data"
        (self.data / "04_gold").mkdir(parents=True)
        # every notebook ran and passed
        self.state = {}
        for p in self.notebooks:
            (self.reports / f"{p.stem}.html").write_text("<html></html>")
        for name, fp in self.prints().items():
            self.state[name] = {"fingerprint": fp, "status": "ok"}

    def tearDown(self):
        self.dir.cleanup()

    def fresh(self):
        """Start again from a clean copy where every notebook ran and passed."""
        self.tearDown()
        self.setUp()

    def prints(self):
        return rn.fingerprints(self.root, self.notebooks, self.root / "input.csv")

    def to_run(self):
        return [p.name[:2] for p in rn.stale(self.notebooks, self.prints(), self.state, self.reports, self.data)]

    def test_nothing_changed_runs_nothing(self):
        self.assertEqual(self.to_run(), [])

    def test_an_edited_notebook_runs_with_what_reads_its_layers(self):
        self.notebooks[5].write_text(json.dumps({"cells": ["edited"]}))  # 06
        self.assertEqual(self.to_run(), ["06", "07", "08", "09", "10"])
        self.fresh()
        self.notebooks[4].write_text(json.dumps({"cells": ["edited"]}))  # 05: nothing reads it
        self.assertEqual(self.to_run(), ["05"])
        self.fresh()
        self.notebooks[7].write_text(json.dumps({"cells": ["edited"]}))  # 08
        self.assertEqual(self.to_run(), ["08", "10"])

    def test_the_library_the_kernel_or_the_input_runs_everything(self):
        for change in ["src/lib.rs", "notebooks/evcxr.toml", "input.csv"]:
            self.fresh()
            (self.root / change).write_text("changed\n")
            self.assertEqual(self.to_run(), [n[:2] for n in NAMES], change)

    def test_a_failed_or_missing_report_runs_again(self):
        self.state["03_c.ipynb"]["status"] = "FAILED"
        (self.reports / "09_i.html").unlink()
        self.assertEqual(self.to_run(), ["03", "09"])

    def test_without_the_data_layers_everything_runs(self):
        (self.data / "04_gold").rmdir()
        self.assertEqual(len(self.to_run()), 10)


class Lanes(unittest.TestCase):
    def paths(self, numbers):
        return [pathlib.Path(f"{n}_x.ipynb") for n in numbers]

    def order(self, numbers, lanes):
        """Simulate `lanes` lanes where every notebook takes one step: the notebooks started at
        each step."""
        pending, steps = self.paths(numbers), []
        while pending:
            running, step = set(), []
            for _ in range(lanes):
                path = rn.next_ready(pending, running, lanes)
                if path is None:
                    break
                pending.remove(path)
                running.add(path.name[:2])
                step.append(path.name[:2])
            self.assertTrue(step, "no notebook could start: a dependency cycle?")
            steps.append(step)
        return steps

    def test_a_notebook_waits_for_the_layers_it_reads(self):
        every = [n[:2] for n in NAMES]
        # of the ready notebooks, the one with the most notebooks downstream first: 03 (seven)
        # before 02 (none), 06 (four) before 04, 07 (two) before 09 (one)
        self.assertEqual(self.order(every, 2),
                         [["01"], ["03", "02"], ["06", "04"], ["07", "09"], ["08", "05"], ["10"]])
        self.assertEqual([rn.dependents(n) for n in every], [9, 0, 7, 0, 0, 4, 2, 1, 1, 0])
        self.assertEqual(self.order(every, 1), [[n] for n in every])
        # a dependency outside the run (already up to date) does not hold a notebook back
        self.assertEqual(self.order(["05", "08", "10"], 2), [["08", "05"], ["10"]])

    def test_the_running_notebooks_hold_back_what_reads_them(self):
        pending = self.paths(["04", "07"])
        self.assertIsNone(rn.next_ready(pending, {"03", "06"}))
        self.assertEqual(rn.next_ready(pending, {"06"}).name[:2], "04")

    def test_a_lane_mirrors_the_build_directory_with_its_times(self):
        with tempfile.TemporaryDirectory() as d:
            src, dst = pathlib.Path(d) / "a", pathlib.Path(d) / "b"
            deps = src / "target" / "deps"
            deps.mkdir(parents=True)
            (deps / "liba.so").write_bytes(b"a" * 10)
            (deps / "a.d").write_bytes(b"d" * 3)
            (deps / "libctx.so").write_bytes(b"c" * 4)  # the cell crate: each lane builds its own
            (src / "target" / ".fingerprint").mkdir()
            (src / "target" / ".fingerprint" / "a").write_bytes(b"f" * 2)
            (src / "target" / "incremental" / "a-1").mkdir(parents=True)
            (src / "target" / "incremental" / "a-1" / "x.bin").write_bytes(b"i" * 50)
            (src / "Cargo.lock").write_text("lock\n")
            (src / "src").mkdir()
            (src / "src" / "lib.rs").write_text("cell\n")
            # the dependency linked; dep-info, cell crate, fingerprint and lock copied
            self.assertEqual(rn.mirror(src, dst, ["target", "Cargo.lock"]), (3 + 4 + 2 + 5, 10))
            copy = dst / "target" / "deps" / "liba.so"
            self.assertEqual(copy.read_bytes(), b"a" * 10)
            self.assertTrue(copy.samefile(deps / "liba.so"))
            self.assertFalse((dst / "target" / "deps" / "libctx.so").samefile(deps / "libctx.so"))
            self.assertFalse((dst / "target" / ".fingerprint" / "a").samefile(src / "target" / ".fingerprint" / "a"))
            self.assertEqual((dst / "target" / "deps" / "a.d").stat().st_mtime_ns, (deps / "a.d").stat().st_mtime_ns)
            self.assertFalse((dst / "target" / "incremental").exists())
            self.assertFalse((dst / "src").exists())  # the cell crate's own files are the lane's
            # nothing changed: nothing copied; a rebuilt file (a new file renamed over the old, as
            # rustc writes) is linked again, a removed one removed, the lane's own cache kept out
            self.assertEqual(rn.mirror(src, dst, ["target", "Cargo.lock"]), (0, 0))
            (deps / "liba.so.new").write_bytes(b"b" * 12)
            (deps / "liba.so.new").replace(deps / "liba.so")
            (dst / "target" / "deps" / "stale.rlib").write_bytes(b"old")
            self.assertEqual(rn.mirror(src, dst, ["target", "Cargo.lock"]), (0, 12))
            self.assertEqual(copy.read_bytes(), b"b" * 12)
            self.assertFalse((dst / "target" / "deps" / "stale.rlib").exists())
            # a copied file rewritten in place (as cargo writes fingerprints) leaves the lane's alone
            (src / "target" / ".fingerprint" / "a").write_bytes(b"g" * 3)
            self.assertEqual((dst / "target" / ".fingerprint" / "a").read_bytes(), b"f" * 2)
            self.assertEqual(rn.mirror(src, dst, ["target", "Cargo.lock"]), (3, 0))

    def test_a_lane_has_its_own_working_and_build_directory(self):
        with tempfile.TemporaryDirectory() as d:
            root = pathlib.Path(d)
            (root / "notebooks").mkdir()
            (root / "notebooks" / "evcxr.toml").write_text('[evcxr]\ntmpdir = "../target/k"\nopt_level = "0"\n')
            (root / "target" / "k" / "target").mkdir(parents=True)
            (root / "target" / "k" / "target" / "f").write_text("x")
            self.assertEqual(rn.lane_dirs(root, 0), (root / "notebooks", (root / "target" / "k").resolve()))
            cwd, _ = rn.make_lane(root, 1)
            self.assertEqual(cwd, root / ".notebooks-lane-1")
            self.assertEqual(cwd.parent, root)  # the notebooks' `:dep` path ".." is the repository
            config = (cwd / "evcxr.toml").read_text()
            self.assertIn('tmpdir = "../target/k-lane-1"', config)
            self.assertIn('opt_level = "0"', config)
            self.assertEqual((root / "target" / "k-lane-1" / "target" / "f").read_text(), "x")


if __name__ == "__main__":
    unittest.main()
