"""The notebooks as a workbench: a polars DataFrame bound in one cell of the Rust kernel is
queried in the next cells, by name and through a lazy filter, and displays as a table.

Run by `make test` after the reports (the kernel's build is warm and the silver layer exists).
With evcxr's default static linking every cell carries its own copy of polars' statics and the
lookups of the later cells fail or return 0 rows; notebooks/evcxr.toml links the dependencies
dynamically (the patched kernel of scripts/build_evcxr.sh), so they answer.
The first cells' `let`s have no written-out types, as a user types them (the kernel's
rust-analyzer finds them); the last binds a frame with its type written out (the patch reads it
from the syntax, as in the notebooks) and queries it in the next cell.
"""

import pathlib
import sys
import unittest

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run_notebooks import NOTEBOOKS  # noqa: E402

CELLS = [
    ':dep campaign-study = { path = "..", default-features = false }\n:efmt {}',
    # bind the silver layer, and count its high incomes inside the same cell (no cross-cell state)
    "use campaign_study::polars::prelude::*;\n"
    "use campaign_study::FrameDisplay;\n"
    "let config = campaign_study::StudyConfig::from_env();\n"
    "let silver = campaign_study::data::layers::scan_silver(&config)?.collect()?;\n"
    "let rich = silver.clone().lazy().filter(col(\"Income\").gt(lit(80000.0))).collect()?.height();\n"
    'format!("bound {} rows, {} with Income above 80000", silver.height(), rich)',
    # the next cells use the frame bound above
    'format!("column Income: {} values", silver.column("Income")?.len())',
    'let again = silver.clone().lazy().filter(col("Income").gt(lit(80000.0))).collect()?.height();\n'
    'format!("{again} of {rich}")',
    "silver.clone()",
    'let typed: DataFrame = silver.clone().lazy().filter(col("Income").gt(lit(80000.0))).collect()?;\n'
    '"bound"',
    'format!("typed: {} rows", typed.height())',
]


def text(cell):
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append(o.get("text", ""))
        elif o.get("output_type") == "error":
            out.append(f"ERROR {o.get('ename')}: {o.get('evalue')}")
        else:
            data = o.get("data", {})
            out.append(data.get("text/html") or data.get("text/plain", ""))
    return "".join("".join(x) if isinstance(x, list) else x for x in out)


class FramesAcrossCells(unittest.TestCase):
    def test_a_frame_bound_in_one_cell_answers_in_the_next(self):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
        NotebookClient(nb, kernel_name="rust", timeout=900, startup_timeout=120, allow_errors=True,
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
        out = [text(c) for c in nb.cells]
        self.assertIn("bound 2205 rows", out[1], out[1])
        rich = int(out[1].split(" with Income")[0].rsplit(", ", 1)[1])
        self.assertGreater(rich, 0)
        self.assertIn("column Income: 2205 values", out[2], out[2])
        self.assertIn(f"{rich} of {rich}", out[3], out[3])
        # the frame displays as a table: shape in the caption, typed columns
        self.assertIn("DataFrame: 2205 rows", out[4], out[4][:300])
        self.assertIn("Income (f64)", out[4], out[4][:300])
        # a frame bound with its type written out answers in the next cell
        self.assertIn("bound", out[5], out[5])
        self.assertIn(f"typed: {rich} rows", out[6], out[6])


if __name__ == "__main__":
    unittest.main()
