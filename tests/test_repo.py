"""Repository hygiene: notebooks are committed clean and follow the TF docs cell order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import config

NOTEBOOKS = sorted((config.ROOT / "notebooks").glob("[0-9]*.ipynb"))
MODULES = sorted((config.ROOT / "helpers").rglob("*.py"))


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def test_there_are_numbered_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no NN_*.ipynb"
    numbers = [p.name[:2] for p in NOTEBOOKS]
    assert len(set(numbers)) == len(numbers), f"duplicate notebook numbers: {numbers}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(path: Path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        assert not cell.get("outputs"), f"{path.name} cell {i} has outputs; strip them"
        assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_cells_have_unique_ids(path: Path):
    # nbformat 4.5 requires them: a cell without one is a warning now, a hard error later.
    ids = [cell.get("id") for cell in _cells(path)]
    missing = [i for i, cid in enumerate(ids) if not cid]
    assert not missing, f"{path.name}: cells {missing} have no id"
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", cid) for cid in ids), path.name
    assert len(set(ids)) == len(ids), f"{path.name}: duplicate cell ids"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_tf_docs_order(path: Path):
    cells = _cells(path)
    texts = [_source(c) for c in cells]
    assert "Licensed under the Apache License" in texts[0], f"{path.name}: license first"
    title = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                 and re.search(r"^# ", _source(c), re.M))
    setup = next(i for i, t in enumerate(texts) if re.search(r"^## Setup", t, re.M))
    params = next(i for i, t in enumerate(texts) if re.search(r"^## Parameters", t, re.M))
    nexts = next(i for i, t in enumerate(texts) if re.search(r"^## Next steps", t, re.M))
    assert title < setup < params < nexts, f"{path.name}: title → setup → parameters → next steps"
    colab = [t for t in texts[setup:params] if "google.colab" in t]
    assert colab, f"{path.name}: no Colab cell"
    # requirements.txt ends with "-e .", which pip resolves against the working directory.
    lines = colab[0].splitlines()
    cd = next(i for i, line in enumerate(lines) if line.strip() == "%cd /content/tf-video")
    pip = next(i for i, line in enumerate(lines) if "%pip install" in line)
    assert cd < pip and "-r requirements.txt" in lines[pip], f"{path.name}: pip outside the clone"
    assert any("config.pick(" in t for t in texts), f"{path.name}: sizes not read from config.pick"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_defines_no_helpers_copies(path: Path):
    """Later notebooks import from helpers; they do not paste its functions."""
    helper_functions = set()
    for module in MODULES:
        helper_functions |= set(re.findall(r"^def ([a-z]\w+)\(", module.read_text(), re.M))
    for cell in _cells(path):
        for name in re.findall(r"^def (\w+)\(", _source(cell), re.M):
            assert name not in helper_functions, f"{path.name} redefines helpers' {name}()"


def test_modules_are_found_recursively():
    assert len(MODULES) > 40 and any(p.parent.name == "records" for p in MODULES)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(config.ROOT)))
def test_no_module_is_huge(path: Path):
    # A module is one responsibility; past ~400 lines it deserves a second look, past 500 a split.
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= 500, f"{path} has {lines} lines: more than one responsibility?"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_stage_faces(path: Path):
    """``from helpers import records``; an internal module only explicitly, with a comment why."""
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        for line in _source(cell).splitlines():
            code, _, comment = line.partition("#")
            deep = re.match(r"\s*(from\s+helpers\.\w+|import\s+helpers\.)", code)
            assert not deep or comment.strip(), (
                f"{path.name} cell {i}: {line.strip()!r} reaches inside a stage; import the face "
                "(from helpers import <stage>) or say in a comment why the internal is needed"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_ends_with_next_steps_to_the_following_one(path: Path):
    cells = _cells(path)
    last = _source(cells[-1])
    assert cells[-1]["cell_type"] == "markdown" and re.match(r"## Next steps", last), (
        f"{path.name}: the last cell is not the '## Next steps' section"
    )
    following = next((p for p in NOTEBOOKS if p.name > path.name), None)
    if following is None:
        return
    number = following.name[:2]
    assert re.search(rf"\b{number}_\w+\.ipynb|[Nn]otebook {number}\b", last), (
        f"{path.name}: Next steps do not point to {following.name}"
    )
