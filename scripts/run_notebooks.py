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

Incremental: a notebook re-executes only when something it depends on changed since its last
successful run: the notebook itself, the library's source (src/, crates/, the manifests), the
kernel's configuration (notebooks/evcxr.toml, the kernel spec, the set-up, the prose check), the
input file, or a notebook whose layers it reads (DEPENDS). With nothing changed nothing runs and
no kernel starts. FORCE=1 (or --force) re-runs every notebook; naming notebooks runs those.
Each run writes reports/timings.json (each notebook's time and its cells' times) and
reports/index.html (every notebook with its status, time, headline table and link).

Parallel: notebooks run side by side in lanes (--lanes, default 2; 1 runs them one after another),
each notebook as soon as the notebooks whose layers it reads have run (of those ready, the one
with the most notebooks downstream first). Every lane has its own
kernel build directory (two kernels in one would overwrite each other's cell crate): lane 0 the
one of notebooks/evcxr.toml, lane i a copy of it (target/evcxr-dylib-lane-i, synchronised from
lane 0 after the warm-up: compiled dependencies hard-linked, the rest copied with its times, so
cargo finds every dependency fresh; a lane that finds no room is left out)
and a working directory beside notebooks/ (.notebooks-lane-i/, whose evcxr.toml names that copy;
the notebooks' `:dep` path is relative to it), removed after the run.
"""

import argparse
import datetime
import errno
import hashlib
import html as html_lib
import json
import os
import pathlib
import re
import shutil
import sys
import threading
import time

import nbformat
from prose_numbers import unshown_numbers
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
STATE = REPORTS / "state.json"
# The notebooks whose layers each notebook reads (its data inputs), by number: 02 profiles the
# bronze layer 01 writes, 03-06 read the silver layer 03 writes, 07 and 09 the clustered layer of
# 06, 08 the leaderboard of 07, 10 the models of 08 and 09.
DEPENDS = {
    "01": [], "02": ["01"], "03": ["01"], "04": ["03"], "05": ["03"], "06": ["03"],
    "07": ["06"], "08": ["07"], "09": ["06"], "10": ["08", "09"],
}
# What every notebook depends on besides its own file and its inputs: the library and the kernel.
LIBRARY = ["src", "crates/toolkit/src", "crates/toolkit/Cargo.toml", "Cargo.toml", "Cargo.lock",
           ".cargo/config.toml", "build.rs", "askama.toml"]
KERNEL = ["notebooks/evcxr.toml", ".venv/share/jupyter/kernels/rust/kernel.json", "requirements.txt",
          "scripts/setup.sh", "scripts/build_evcxr.sh", "scripts/evcxr-0.22.0.patch",
          "scripts/prose_numbers.py"]
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


def files_hash(root, paths):
    """SHA-256 of the named files and folders under `root` (paths and contents, in order)."""
    h = hashlib.sha256()
    for rel in paths:
        p = root / rel
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            if f.is_file():
                h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def fingerprints(root, notebooks, input_file):
    """Each notebook's fingerprint: its file, the library, the kernel, the input file and the
    fingerprints of the notebooks it reads from (so a change flows to what depends on it)."""
    common = hashlib.sha256()
    # the input by content alone: it may live anywhere
    data = hashlib.sha256(input_file.read_bytes()).hexdigest() if input_file else "no input"
    for part in (files_hash(root, LIBRARY), files_hash(root, KERNEL), data):
        common.update(part.encode())
    prints = {}
    for path in sorted(notebooks):
        number = path.name[:2]
        h = hashlib.sha256(common.hexdigest().encode())
        h.update(path.read_bytes())
        for dep in DEPENDS.get(number, []):
            h.update(prints.get(dep, "missing " + dep).encode())
        prints[number] = h.hexdigest()
    return {p.name: prints[p.name[:2]] for p in notebooks}


def stale(notebooks, prints, state, reports, data):
    """The notebooks to execute: changed since their last successful run, or never run, or
    whose report is missing; all of them when the data layers are gone."""
    if not (data / "04_gold").is_dir():
        return list(notebooks)
    out = []
    for path in notebooks:
        last = state.get(path.name, {})
        fresh = (last.get("fingerprint") == prints[path.name] and last.get("status") == "ok"
                 and (reports / (path.stem + ".html")).exists())
        if not fresh:
            out.append(path)
    return out


def cell_seconds(nb):
    """Seconds each code cell took (nbclient's execution timestamps), in order."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        t = cell.get("metadata", {}).get("execution", {})
        try:
            a = datetime.datetime.fromisoformat(t["iopub.execute_input"].replace("Z", "+00:00"))
            b = datetime.datetime.fromisoformat(t["shell.execute_reply"].replace("Z", "+00:00"))
            out.append(round((b - a).total_seconds(), 2))
        except (KeyError, ValueError):
            out.append(None)
    return out


def headline(nb):
    """The HTML (or text) output of the cells tagged "headline": the stage's key table."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "headline" in cell.get("metadata", {}).get("tags", []):
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "text/html" in data:
                    parts.append("".join(data["text/html"]))
                elif "text/plain" in data:
                    parts.append("<pre>" + html_lib.escape("".join(data["text/plain"])) + "</pre>")
    return "\n".join(parts)


def title(path):
    """A notebook's first heading."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def write_index(notebooks, state, reports):
    """reports/index.html: every notebook, its status, run time, headline table and link."""
    rows = []
    for path in notebooks:
        s = state.get(path.name, {})
        status = s.get("status", "not run")
        link = f'<a href="{path.stem}.html">{html_lib.escape(title(path))}</a>'
        seconds = f'{s["seconds"]:.0f} s' if "seconds" in s else ""
        rows.append(
            f'<tr class="{html_lib.escape(status)}"><td>{link}</td><td>{html_lib.escape(status)}</td>'
            f'<td>{seconds}</td><td>{html_lib.escape(s.get("finished", ""))}</td>'
            f'<td><div class="headline">{s.get("headline", "")}</div></td></tr>'
        )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>campaign-study: the reports</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table.index {{ border-collapse: collapse; width: 100%; }}
table.index > tbody > tr > td, table.index > thead > tr > th {{ border-top: 1px solid #ccc; padding: .5rem; vertical-align: top; text-align: left; }}
tr.FAILED > td:nth-child(2) {{ color: #b00; font-weight: bold; }}
td table {{ font-size: .85rem; border-collapse: collapse; }}
div.headline {{ max-height: 18rem; overflow: auto; }}
td table td, td table th {{ padding: 1px 6px; border-bottom: 1px solid #eee; }}
</style></head><body>
<h1>campaign-study: the reports</h1>
<p>Every notebook of the study in order, as last executed by <code>make reports</code>: its status, how long it ran,
when it finished (UTC) and its headline table. Per-cell times are in <a href="timings.json">timings.json</a>.</p>
<table class="index"><thead><tr><th>notebook</th><th>status</th><th>run time</th><th>finished</th><th>headline</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    tmp = reports / "index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(reports / "index.html")


def write_timings(notebooks, state, reports):
    timings = {
        path.name: {"seconds": state[path.name].get("seconds"), "cells": state[path.name].get("cells", [])}
        for path in notebooks if path.name in state
    }
    if "warm-up" in state:
        timings["warm-up (dependency build)"] = state["warm-up"]
    (reports / "timings.json").write_text(json.dumps(timings, indent=1) + "\n")


def execute(nb, timeout, cwd=NOTEBOOKS):
    client = NotebookClient(
        nb,
        kernel_name="rust",
        timeout=timeout,
        startup_timeout=120,
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


def warm(first_notebook, cwd=NOTEBOOKS):
    """Compile the kernel's dependencies once: run the first notebook's first code cell."""
    nb = nbformat.read(first_notebook, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    warm_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup.source)])
    warm_nb.metadata = nb.metadata
    start = time.monotonic()
    execute(warm_nb, timeout=None, cwd=cwd)
    found = problems(warm_nb)
    return time.monotonic() - start, found


TMPDIR_LINE = re.compile(r'^tmpdir\s*=\s*"([^"]+)"\s*$', re.M)


def lane_dirs(root, lane):
    """Lane `lane`'s working directory and kernel build directory (lane 0: notebooks/ and the
    build directory its evcxr.toml names), or None if evcxr.toml names no build directory."""
    config = (root / "notebooks" / "evcxr.toml").read_text()
    m = TMPDIR_LINE.search(config)
    if m is None:
        return None
    build = (root / "notebooks" / m.group(1)).resolve()
    if lane == 0:
        return root / "notebooks", build
    cwd = root / f".notebooks-lane-{lane}"
    return cwd, build.with_name(f"{build.name}-lane-{lane}")


def make_lane(root, lane):
    """Create lane `lane` (≥ 1): its working directory with an evcxr.toml naming its build
    directory, and that build directory synchronised from lane 0's."""
    (cwd, build), (_, source) = lane_dirs(root, lane), lane_dirs(root, 0)
    cwd.mkdir(exist_ok=True)
    config = (root / "notebooks" / "evcxr.toml").read_text()
    rel = os.path.relpath(build, cwd)
    (cwd / "evcxr.toml").write_text(TMPDIR_LINE.sub(f'tmpdir = "{rel}"', config))
    return cwd, mirror(source, build, ["target", "Cargo.lock"])


# A lane links, not copies, the compiled dependencies: rustc and the linker write a new file and
# rename it over the old one, never into it, so a linked file never changes under the other lane.
# Cargo's fingerprints and dep-info files are written in place: those are copied, and so is the
# cell crate (`ctx`), which both lanes rebuild. Incremental caches are left out (a fresh
# dependency never reads its own; the cell crate starts its own in the lane).
LINKED_SUFFIXES = {".rlib", ".rmeta", ".so"}
UNMIRRORED_DIRS = {"incremental"}


def linkable(path):
    """Whether mirror() may hard-link `path` rather than copy it."""
    return (path.parent.name == "deps" and path.suffix in LINKED_SUFFIXES
            and not path.name.startswith(("libctx", "ctx")))


def try_link(source, link):
    """Hard-link `link` to `source`; False where the file system refuses."""
    try:
        os.link(source, link)
        return True
    except OSError:
        return False


def mirror(source, dest, parts):
    """Make `dest`'s `parts` (files or folders) the same as `source`'s: every file whose size or
    modification time differs is hard-linked (compiled dependencies, see `linkable`; copied where
    the file system refuses the link) or copied with its times (cargo's freshness checks read
    them), and what `source` no longer has is removed. Returns (bytes copied, bytes linked)."""
    copied = linked = 0
    for part in parts:
        src, dst = source / part, dest / part
        if src.is_file():
            pairs = [(src, dst)]
            wanted = None
        elif src.is_dir():
            pairs = [(f, dst / f.relative_to(src)) for f in src.rglob("*")
                     if f.is_file() and not f.is_symlink()
                     and not UNMIRRORED_DIRS & set(f.relative_to(src).parts[:-1])]
            wanted = {d for _, d in pairs}
        else:
            continue
        for f, d in pairs:
            st = f.stat()
            try:
                dt = d.stat()
                if dt.st_size == st.st_size and dt.st_mtime_ns == st.st_mtime_ns:
                    continue
            except FileNotFoundError:
                pass
            d.parent.mkdir(parents=True, exist_ok=True)
            tmp = d.with_name(d.name + ".lane-tmp")
            tmp.unlink(missing_ok=True)
            if linkable(f) and try_link(f, tmp):
                linked += st.st_size
            else:
                shutil.copy2(f, tmp)
                copied += st.st_size
            tmp.replace(d)
        if wanted is not None and dst.is_dir():
            for d in sorted(dst.rglob("*"), reverse=True):
                if d.is_file() and d not in wanted:
                    d.unlink()
    return copied, linked


def dependents(number):
    """How many notebooks read, directly or through others, the layers notebook `number` writes."""
    found, frontier = set(), {number}
    while frontier:
        frontier = {n for n, deps in DEPENDS.items() if frontier & set(deps)} - found
        found |= frontier
    return len(found)


def next_ready(pending, running, lanes=2):
    """The notebook of `pending` to start now, or None: of those none of whose inputs is still to
    run or running (`running`: their numbers), the one with the most notebooks downstream (the
    longest wait it holds up), the first in study order on ties; in one lane, study order."""
    waiting = {p.name[:2] for p in pending} | set(running)
    ready = [p for p in pending if not any(dep in waiting for dep in DEPENDS.get(p.name[:2], []))]
    if lanes == 1:
        return ready[0] if ready else None
    return max(ready, key=lambda p: (dependents(p.name[:2]), -pending.index(p)), default=None)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell-timeout", type=int, default=900, help="seconds per cell after warm-up")
    parser.add_argument("--force", action="store_true", default=os.environ.get("FORCE") == "1",
                        help="re-run every notebook (also FORCE=1)")
    parser.add_argument("--lanes", type=int, default=int(os.environ.get("LANES", "2")),
                        help="notebooks run side by side (also LANES=n; 1: one after another)")
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: those out of date, in order)")
    args = parser.parse_args()

    every = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not every:
        sys.exit("no notebooks found")
    REPORTS.mkdir(exist_ok=True)
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    # The input the kernels read: the Makefile's (its default is the shared copy beside the
    # repository, as here when the runner is started directly); the kernels inherit it.
    input_file = pathlib.Path(os.environ.get("CAMPAIGN_STUDY_INPUT") or ROOT.parent / "shared" / "data" / "ifood_crm.csv")
    if not input_file.is_file():
        sys.exit(f"input file {input_file} not found (set CAMPAIGN_STUDY_INPUT)")
    os.environ["CAMPAIGN_STUDY_INPUT"] = str(input_file.resolve())
    prints = fingerprints(ROOT, every, input_file.resolve())
    if args.notebooks:
        paths = [pathlib.Path(p).resolve() for p in args.notebooks]
    elif args.force:
        paths = every
    else:
        paths = stale(every, prints, state, REPORTS, ROOT / "data")
    if not paths:
        write_index(every, state, REPORTS)
        print("every report is up to date (FORCE=1 re-runs them all)")
        return
    print("to run:", ", ".join(p.name for p in paths), flush=True)

    seconds, found = warm(paths[0])
    state["warm-up"] = round(seconds, 1)
    print(f"warm-up: kernel dependencies built in {seconds:.0f} s", flush=True)
    if found:
        sys.exit("warm-up failed:\n" + "\n".join(found))

    lanes = [(NOTEBOOKS, None)]
    if args.lanes > 1 and len(paths) > 1 and lane_dirs(ROOT, 0) is not None:
        start = time.monotonic()
        copied = linked = 0
        for lane in range(1, min(args.lanes, len(paths))):
            try:
                cwd, (copied, linked) = make_lane(ROOT, lane)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                cwd, build = lane_dirs(ROOT, lane)
                shutil.rmtree(cwd, ignore_errors=True)
                shutil.rmtree(build, ignore_errors=True)
                print(f"lanes: no room on the disk for lane {lane}'s build directory ({e.filename});"
                      " it is left out", flush=True)
                break
            lanes.append((cwd, lane))
        print(f"lanes: {len(lanes)} (build directories synchronised in {time.monotonic() - start:.0f} s,"
              f" {copied / 1e6:.0f} MB copied and {linked / 1e6:.0f} MB linked to the last)", flush=True)

    failures = {}
    lock = threading.Lock()
    wake = threading.Condition(lock)
    pending, running = list(paths), set()

    def run(path, cwd):
        nb = nbformat.read(path, as_version=4)
        start = time.monotonic()
        execute(nb, timeout=args.cell_timeout, cwd=cwd)
        seconds = time.monotonic() - start
        quiet_setup(nb)
        html, _ = HTMLExporter().from_notebook_node(nb)
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
        with lock:
            state[path.name] = {
                "fingerprint": prints.get(path.name),
                "status": status,
                "seconds": round(seconds, 1),
                "cells": cell_seconds(nb),
                "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
                "headline": headline(nb),
            }
            STATE.write_text(json.dumps(state, indent=1) + "\n")
            print(f"{path.name}: {status} in {seconds:.0f} s -> {out.relative_to(ROOT)}", flush=True)
            if found:
                failures[path.name] = found

    def lane_worker(cwd):
        while True:
            with wake:
                while pending and (path := next_ready(pending, running, len(lanes))) is None:
                    wake.wait()
                if not pending:
                    return
                pending.remove(path)
                running.add(path.name[:2])
            try:
                run(path, cwd)
            except Exception as e:  # a kernel that died: the notebook failed, the others go on
                with lock:
                    failures[path.name] = [f"{type(e).__name__}: {e}"]
                    state.pop(path.name, None)  # so that the next run runs it again
                    STATE.write_text(json.dumps(state, indent=1) + "\n")
                    print(f"{path.name}: FAILED ({type(e).__name__})", flush=True)
            finally:
                with wake:
                    running.discard(path.name[:2])
                    wake.notify_all()

    try:
        workers = [threading.Thread(target=lane_worker, args=(cwd,)) for cwd, _ in lanes]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        for cwd, lane in lanes:
            if lane is not None:
                shutil.rmtree(cwd, ignore_errors=True)

    write_timings(every, state, REPORTS)
    write_index(every, state, REPORTS)
    if failures:
        for name, found in failures.items():
            print(f"\n{name}:", *found, sep="\n  ", file=sys.stderr)
        sys.exit(f"{len(failures)} notebook(s) failed")


if __name__ == "__main__":
    main()
