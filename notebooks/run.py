"""Run the tutorial notebooks headless: one line per notebook, executed copies in ``build/``.

::

    .venv/bin/python notebooks/run.py              # every notebook, full sizes
    .venv/bin/python notebooks/run.py --list       # what would run
    .venv/bin/python notebooks/run.py 03 04        # notebooks whose name contains "03" or "04"
    CI=true .venv/bin/python notebooks/run.py      # CI fast mode

The committed notebooks stay output-free. Each executed copy lands in ``build/notebooks/`` with
the kernels' own console output (TensorFlow's C++ banners, Beam's worker logging) beside it in a
``.log`` file, so the console shows only the result lines unless ``--verbose`` is given.
A failure prints the cell number, its first source line and the exception's last line, and the
exit status is 1; a bad argument prints ``error: <name>: <reason>`` and the status is 2.

The run checks the network once (:func:`helpers.utils.downloads.network`), prints the decision
with its reason, and hands it to every notebook's kernel (``TFVIDEO_NETWORK``), so all of them
take the same path: pretrained downloads online, loudly labelled stand-ins offline.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))  # run from a clone without installing: helpers is beside us

from helpers import config  # noqa: E402  (after the path line above)
from helpers.utils import downloads, reachability  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """Removes terminal colour codes (IPython colours its tracebacks)."""
    return ANSI.sub("", text)


@contextlib.contextmanager
def kernel_output_to(log: Path | None) -> Iterator[None]:
    """Sends this process's stdout and stderr (which kernels inherit) to ``log``; None: as is."""
    if log is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    with open(log, "ab") as handle:
        for fd in saved:
            os.dup2(handle.fileno(), fd)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)


def failure_line(notebook: nbformat.NotebookNode, err: Exception) -> str:
    """``cell N: <first source line>: <the exception's last line>``, without colour codes."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
                ename = strip_ansi(output.get("ename", "Error"))
                evalue = (strip_ansi(output.get("evalue", "")).strip().splitlines() or [""])[-1]
                return f"cell {index}: {first.strip()[:80]}: {ename}: {evalue}".rstrip(": ")
    lines = [ln for ln in strip_ansi(str(err)).splitlines() if ln.strip()]
    return lines[-1] if lines else type(err).__name__


def _running_cell(notebook: nbformat.NotebookNode) -> int | None:
    """The index of the last code cell that started executing (where a dead kernel stopped)."""
    # nbclient sets ``execution`` to {} as it starts a cell, before any kernel message: a kernel
    # that dies at once leaves it empty, so the key's presence is the mark, not its content.
    started = [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and "execution" in cell.get("metadata", {})
    ]
    return started[-1] if started else None


def run_notebook(
    path: Path, out_dir: Path, *, timeout: int = 3600, verbose: bool = False
) -> tuple[Path, str | None]:
    """Executes one notebook with its own folder as the working directory.

    Args:
        path: The ``.ipynb`` file to run.
        out_dir: Where the executed copy (and its ``.log``) is written.
        timeout: Seconds allowed for any single cell.
        verbose: Let the kernel's console output through instead of logging it.

    Returns:
        ``(executed copy, None)``, or ``(partial copy, failure line)`` when a cell failed.
    """
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:  # marks from an earlier run would name the wrong cell
        cell.get("metadata", {}).pop("execution", None)
    client = NotebookClient(
        notebook,
        record_timing=True,  # marks each cell as it starts: a dead kernel's cell is then known
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / path.name
    log = None if verbose else out_path.with_suffix(".log")
    if log is not None:
        log.unlink(missing_ok=True)
    problem = None
    try:
        with kernel_output_to(log):
            client.execute()
    except CellExecutionError as err:
        problem = failure_line(notebook, err)
    except Exception as err:  # noqa: BLE001 - a dead kernel or a timeout: report, go on
        lines = strip_ansi(str(err)).strip().splitlines()
        where = f"cell {_running_cell(notebook)}: " if _running_cell(notebook) is not None else ""
        problem = f"{where}{type(err).__name__}: {lines[-1] if lines else 'the kernel stopped'}"
    finally:
        tmp = out_path.with_suffix(".ipynb.partial")
        nbformat.write(notebook, tmp)
        os.replace(tmp, out_path)
    return out_path, problem


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python notebooks/run.py``."""
    parser = argparse.ArgumentParser(
        prog="python notebooks/run.py",
        description="Execute the tutorial notebooks headless into build/notebooks/. "
        "Exit status: 0 all passed, 1 some failed.",
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        help="notebook files, or parts of names to pick (default: every NN_*.ipynb, in order)",
    )
    parser.add_argument("--list", action="store_true", help="list the notebooks and exit")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "build" / "notebooks", help="output folder"
    )
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    parser.add_argument(
        "--verbose", action="store_true", help="show the kernels' console output (library logs)"
    )
    return parser


def choose(names: Sequence[str]) -> list[Path]:
    """The notebooks to run: files given, or the numbered ones whose names contain a pattern.

    Raises:
        ValueError: A name that matches no notebook (``"<name>: no notebook matches"``).
    """
    every = sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    if not names:
        return every
    chosen: list[Path] = []
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and path.exists():
            chosen.append(path.resolve())
            continue
        matches = [p for p in every if name in p.name]
        if not matches:
            raise ValueError(f"{name}: no notebook matches")
        chosen += [p for p in matches if p not in chosen]
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the chosen notebooks in order and prints one line for each; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        paths = choose(args.notebooks)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.list:
        for path in paths:
            print(path.name)
        return 0
    net = downloads.network(quiet=True)
    mode = "FAST (CI)" if config.FAST else "full"
    print(f"running {len(paths)} notebook(s), mode={mode}, network={net}")
    print(f"executed copies and kernel logs in {args.out}")
    began = time.perf_counter()
    failed = 0
    inherited = os.environ.get(reachability.NETWORK_ENV)
    os.environ[reachability.NETWORK_ENV] = str(net)  # every kernel inherits the one decision
    try:
        for path in paths:
            start = time.perf_counter()
            out, problem = run_notebook(path, args.out, timeout=args.timeout, verbose=args.verbose)
            seconds = time.perf_counter() - start
            status = "ok  " if problem is None else "FAIL"
            print(f"{status} {path.name:24s} {seconds:7.1f} s  {out}", flush=True)
            if problem is not None:
                failed += 1
                print(f"     {problem}", flush=True)
    finally:
        if inherited is None:
            os.environ.pop(reachability.NETWORK_ENV, None)
        else:
            os.environ[reachability.NETWORK_ENV] = inherited
    total = time.perf_counter() - began
    print(f"{len(paths) - failed} passed, {failed} failed in {total:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
