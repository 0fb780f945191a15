"""Tests of the incremental report runner (run by `make test` with the project's venv):
which notebooks re-execute after which change."""

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


if __name__ == "__main__":
    unittest.main()
