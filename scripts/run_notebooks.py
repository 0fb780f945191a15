"""Execute every notebook in notebooks/ in study order with the Rust (evcxr) kernel, export each
to reports/NN_name.html, and fail if any cell produced an error or a panic.

evcxr compiles every cell; its dependency build is cold the first time. So the first step warms
that build once with no time limit; every notebook then runs with a per-cell timeout.
nbconvert does not fail on a panicking cell (the panic goes to stderr), and evcxr reports an
error returned with `?` only as stderr text, hence the output scan: any error output and any
text on stderr fails the run, and so does a cell (after the setup cell) that displays nothing.
So does a number quoted in a notebook's text that no output of that notebook shows
(prose_numbers.py): the prose cannot drift from the numbers. The executed notebooks are kept
beside the HTML reports (reports/NN_name.ipynb).
"""

import argparse
import json
import os
import pathlib
import re
import sys
import time

import nbformat
from prose_numbers import unshown_numbers
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
# A library value shown through Debug (`Chart { title: ...`) instead of its evcxr_display.
DEBUG_DUMP = re.compile(r"^[A-Z][A-Za-z]* \{")
PANIC_MARKERS = ("panicked at", "thread 'main' panicked", "EvcxrUserCodeError")


def problems(nb):
    """Every error output, panic or stderr error of an executed notebook, as text."""
    found = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        # Every cell after the setup cell ends in a value that displays itself (a table, a
        # chart): an empty output means it showed nothing.
        if cell is not code_cells[0] and not cell.get("outputs"):
            found.append(f"cell {i}: produced no output")
        for out in cell.get("outputs", []):
            plain = out.get("data", {}).get("text/plain", "") if "data" in out else ""
            if plain and "text/html" not in out.get("data", {}) and DEBUG_DUMP.match(plain):
                found.append(f"cell {i}: a value displayed as a Debug dump, not as a table or chart")
            if out.output_type == "error":
                found.append(f"cell {i}: {out.get('ename', '')}: {out.get('evalue', '')}".strip())
            elif out.output_type == "stream":
                text = out.get("text", "")
                if out.get("name") == "stderr" or any(m in text for m in PANIC_MARKERS):
                    found.append(f"cell {i}: {text.strip()[:500]}")
    return found


def quiet_setup(nb):
    """Drop the kernel's own acknowledgements from the setup cell (`:efmt` answers "Error format:
    ..."): noise in a report, not the study's output."""
    setup = next((c for c in nb.cells if c.cell_type == "code"), None)
    if setup is not None:
        def acknowledgement(o):
            text = o.get("text", "") or o.get("data", {}).get("text/plain", "")
            text = text if isinstance(text, str) else "".join(text)
            return text.startswith("Error format:")

        setup.outputs = [o for o in setup.get("outputs", []) if not acknowledgement(o)]


def execute(nb, timeout):
    client = NotebookClient(
        nb,
        kernel_name="rust",
        timeout=timeout,
        startup_timeout=120,
        allow_errors=True,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    return nb


def warm(first_notebook):
    """Compile the kernel's dependencies once: run the first notebook's first code cell."""
    nb = nbformat.read(first_notebook, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    warm_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup.source)])
    warm_nb.metadata = nb.metadata
    start = time.monotonic()
    execute(warm_nb, timeout=None)
    found = problems(warm_nb)
    return time.monotonic() - start, found


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell-timeout", type=int, default=900, help="seconds per cell after warm-up")
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: all, in order)")
    args = parser.parse_args()

    paths = [pathlib.Path(p).resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        sys.exit("no notebooks found")
    REPORTS.mkdir(exist_ok=True)
    timings = {}

    seconds, found = warm(paths[0])
    timings["warm-up (dependency build)"] = round(seconds, 1)
    print(f"warm-up: kernel dependencies built in {seconds:.0f} s", flush=True)
    if found:
        sys.exit("warm-up failed:\n" + "\n".join(found))

    failures = {}
    exporter = HTMLExporter()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.monotonic()
        execute(nb, timeout=args.cell_timeout)
        seconds = time.monotonic() - start
        timings[path.name] = round(seconds, 1)
        quiet_setup(nb)
        html, _ = exporter.from_notebook_node(nb)
        out = REPORTS / (path.stem + ".html")
        tmp = out.with_suffix(".html.tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(out)
        nbformat.write(nb, str(REPORTS / (path.stem + ".ipynb")))
        found = problems(nb) + [
            f"cell {i}: the text quotes {raw}, which no output of this notebook shows"
            for i, raw in unshown_numbers(nb)
        ]
        status = "FAILED" if found else "ok"
        print(f"{path.name}: {status} in {seconds:.0f} s -> {out.relative_to(ROOT)}", flush=True)
        if found:
            failures[path.name] = found

    (REPORTS / "timings.json").write_text(json.dumps(timings, indent=1) + "\n")
    if failures:
        for name, found in failures.items():
            print(f"\n{name}:", *found, sep="\n  ", file=sys.stderr)
        sys.exit(f"{len(failures)} notebook(s) failed")


if __name__ == "__main__":
    main()
