"""Executes every tutorial notebook headless and keeps the rendered copies in ``build/``.

Run the whole tutorial on the embedded sample data with::

    .venv/bin/python -m helpers.render            # full sizes
    CI=true .venv/bin/python -m helpers.render    # CI fast mode

The committed notebooks stay output-free; the executed copies land in ``build/notebooks/``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from helpers import config

__all__ = ["main", "render_notebook"]


def render_notebook(path: Path, out_dir: Path, *, timeout: int = 3600) -> Path:
    """Executes one notebook with its own folder as the working directory.

    Args:
        path: The ``.ipynb`` file to run.
        out_dir: Where the executed copy is written (same file name).
        timeout: Seconds allowed for any single cell.

    Returns:
        The path of the executed copy.

    Raises:
        nbclient.exceptions.CellExecutionError: When a cell fails; the partial copy
            is still written.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / path.name
    try:
        client.execute()
    finally:
        tmp = out_path.with_suffix(".ipynb.tmp")
        nbformat.write(notebook, tmp)
        os.replace(tmp, out_path)
    return out_path


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: runs the notebooks in order and reports each one.

    Args:
        argv: Arguments (defaults to ``sys.argv[1:]``).

    Returns:
        0 when every notebook ran, 1 otherwise.
    """
    parser = argparse.ArgumentParser(
        description="Execute the tutorial notebooks headless into build/notebooks/."
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="Notebooks to run (default: every notebooks/*.ipynb, in order).",
    )
    parser.add_argument(
        "--out", type=Path, default=config.BUILD_DIR / "notebooks", help="Output folder."
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((config.ROOT / "notebooks").glob("[0-9]*.ipynb"))
    print(config.describe())
    failed = []
    for path in paths:
        start = time.perf_counter()
        try:
            out = render_notebook(path.resolve(), args.out)
            print(f"ok    {path.name}  {time.perf_counter() - start:6.1f} s  -> {out}")
        except Exception as err:  # noqa: BLE001 - report and go on to the next notebook
            failed.append(path.name)
            print(f"FAIL  {path.name}  {time.perf_counter() - start:6.1f} s  {type(err).__name__}")
            print(str(err)[-2000:], file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
