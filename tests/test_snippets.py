"""Copy-paste snippets: every notebook cell tagged ``snippet`` runs on its own, without ``helpers``.

Pasting a snippet into one's own project is one of the three ways people use this repository, so
each snippet must need nothing but its own imports (TensorFlow, NumPy, OpenCV, the standard
library). Each runs alone in a fresh interpreter, in an empty temporary folder, where
``import helpers`` fails and no earlier cell has run; it must print its result and leave the
folder empty (its test files go to a temporary folder of their own).

A notebook marks a snippet with the cell tag ``snippet`` (``cell.metadata.tags = ["snippet"]``).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import config

NOTEBOOKS = sorted((config.ROOT / "notebooks").glob("[0-9]*.ipynb"))
TAG = "snippet"
REQUIRED = ("01", "02", "03", "04", "05", "06", "07")
"""Notebooks that must have a snippet; the others are listed as skipped until they have one."""

PRELUDE = (
    "import sys\n"
    "sys.modules['helpers'] = None  # `import helpers` (and every helpers.x) raises ImportError\n"
)
TIMEOUT = 180  # seconds; a snippet imports TensorFlow at most once


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _snippets(path: Path) -> list[tuple[int, dict]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(i, c) for i, c in enumerate(cells) if TAG in c.get("metadata", {}).get("tags", [])]


SNIPPETS = [(p, i, c) for p in NOTEBOOKS for i, c in _snippets(p)]


def _run_alone(code: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Runs ``code`` after the prelude in a new interpreter in an empty folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"  # keep TensorFlow's banner out of failure messages
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run(
            [sys.executable, "-c", PRELUDE + code], cwd=cwd, env=env, capture_output=True,
            text=True, timeout=TIMEOUT,
        )  # fmt: skip
        return done, sorted(os.listdir(cwd))


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, int], tuple[subprocess.CompletedProcess, list[str]]]:
    """Every snippet's run, two at a time (each mostly waits for TensorFlow's import)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {(p.name, i): pool.submit(_run_alone, _source(c)) for p, i, c in SNIPPETS}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_a_snippet(path: Path):
    if _snippets(path):
        return
    if path.name[:2] in REQUIRED:
        pytest.fail(f"{path.name} has no cell tagged {TAG!r}")
    pytest.skip(f"{path.name} has no cell tagged {TAG!r} yet")


@pytest.mark.parametrize(
    ("path", "index", "cell"), SNIPPETS, ids=[f"{p.stem}-cell{i}" for p, i, _ in SNIPPETS]
)
def test_snippet_runs_alone_without_helpers(path: Path, index: int, cell: dict, results):
    source = _source(cell)
    assert cell["cell_type"] == "code", f"{path.name} cell {index}: only code cells are snippets"
    assert "helpers" not in source, f"{path.name} cell {index}: a snippet must not name helpers"
    assert not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()), (
        f"{path.name} cell {index}: IPython magics do not paste into a project"
    )
    done, left = results[path.name, index]
    assert done.returncode == 0, (
        f"{path.name} cell {index} fails on its own:\n{done.stderr[-3000:]}"
    )
    assert done.stdout.strip(), f"{path.name} cell {index} prints nothing: show the result"
    assert not left, f"{path.name} cell {index} leaves files in the working folder: {left}"


def _imports(tree: ast.AST) -> dict[str, str]:
    """Names bound by import statements -> the module or object each one binds."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:  # `import a.b` binds `a`; `import a.b as c` binds `c` to a.b
                top = a.name.split(".")[0]
                bound[a.asname or top] = a.name if a.asname else top
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                bound[a.asname or a.name] = f"{node.module}.{a.name}"
    return bound


def _parse(source: str) -> ast.Module:
    """A cell's code without its IPython magics and shell lines."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


@pytest.mark.parametrize(
    ("path", "index", "cell"), SNIPPETS, ids=[f"{p.stem}-cell{i}" for p, i, _ in SNIPPETS]
)
def test_snippet_shadows_no_name_of_its_notebook(path: Path, index: int, cell: dict):
    """Run inside the notebook, a snippet must not change what the lesson's later cells read.

    A name the snippet binds (a function, class or variable) must not also be bound by an earlier
    cell and then read by a later one that does not bind it itself: that cell would get the
    snippet's value instead of the lesson's. A name the snippet imports must bind the same module
    as everywhere else in the notebook (``tf`` is TensorFlow everywhere, but ``beam`` is
    ``helpers.beam`` in notebook 06).
    """
    tree = _parse(_source(cell))
    imported = _imports(tree)
    own = _bound(tree) - set(imported)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [(i, _parse(_source(c))) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    earlier = set().union(*(_bound(t) for i, t in code if i < index))
    for i, other in code:
        if i == index:
            continue
        if i > index:
            read = {n.id for n in ast.walk(other) if isinstance(n, ast.Name)} - _bound(other)
            clash = sorted(own & earlier & read)
            assert not clash, (
                f"{path.name} cell {index} rebinds {clash}: cell {i} reads them, expecting an "
                "earlier cell's values"
            )
        for name, target in _imports(other).items():
            if name in imported:
                assert imported[name] == target, (
                    f"{path.name} cell {index} imports {name!r} as {imported[name]}, "
                    f"but cell {i} uses it as {target}"
                )


def _bound(tree: ast.AST) -> set[str]:
    """The names a cell binds at module level: assignments, loop variables, defs and imports.

    Names local to a function, class, lambda or comprehension are the cell's own business.
    """
    names: set[str] = set()
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.comprehension)
    todo = list(ast.iter_child_nodes(tree))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        if not isinstance(node, scopes):
            todo.extend(ast.iter_child_nodes(node))
    return names | set(_imports(tree))


def test_the_harness_hides_helpers_and_earlier_cells():
    """The prelude really blocks helpers, and a cell that needs an earlier one fails."""
    for code in ("import helpers", "from helpers import config", "import helpers.frames",
                 "print(config.FAST)", "open('x', 'w').close(); print('wrote')"):  # fmt: skip
        done, left = _run_alone(code)
        if code.startswith("open"):
            assert done.returncode == 0 and left == ["x"]  # ...and litter is seen
        elif "helpers" in code:
            assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr, code
        else:
            assert done.returncode != 0 and "NameError: name 'config'" in done.stderr, code
