"""The package layout: stage sub-packages, imports that run one way, CLIs, a complete wheel."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import config

HELPERS = config.ROOT / "helpers"
STAGES = ("utils", "sources", "datasets", "frames", "extract", "records", "writer", "pipeline",
          "movinet", "train", "beam", "sample")  # fmt: skip
"""The data path's order: a stage may import only the stages before it (and ``config``)."""


def _imports(path: Path) -> set[str]:
    """The ``helpers.<stage>`` names a module imports (top level and inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "helpers":
                if len(parts) > 1:
                    found.add(parts[1])
                else:
                    found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "helpers" and len(parts) > 1:
                    found.add(parts[1])
    return found


def _stage_of(path: Path) -> str | None:
    rel = path.relative_to(HELPERS).parts
    return rel[0] if len(rel) > 1 else None


def test_stage_sub_packages_and_a_small_top_level():
    packages = [p.name for p in HELPERS.iterdir() if (p / "__init__.py").exists()]
    assert set(STAGES) <= set(packages)
    top = [p.name for p in HELPERS.glob("*.py")]
    assert len(top) <= 4, top


@pytest.mark.parametrize(
    "path", sorted(HELPERS.rglob("*.py")), ids=lambda p: str(p.relative_to(HELPERS))
)
def test_no_stage_imports_a_later_stage(path: Path):
    stage = _stage_of(path)
    if stage is None:
        return
    rank = STAGES.index(stage)
    for name in _imports(path):
        if name in STAGES:
            assert STAGES.index(name) <= rank, f"{path}: {stage} imports the later stage {name}"
            assert not (stage == "beam" and name == "writer"), f"{path}: beam imports the writer"
        assert name != "sample" or stage == "sample", f"{path}: a library stage imports the fixture"


def test_no_import_circles():
    graph: dict[str, set[str]] = {}
    for path in HELPERS.rglob("*.py"):
        if path.name == "__init__.py":
            continue
        module = ".".join(path.relative_to(config.ROOT).with_suffix("").parts)
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
                base = node.module
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if (config.ROOT / (sub.replace(".", "/") + ".py")).exists()
                                else base)  # fmt: skip
        graph[module] = {
            t for t in targets if (config.ROOT / (t.replace(".", "/") + ".py")).exists()
        }
    seen: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        seen[node] = 1
        for nxt in graph.get(node, ()):
            assert seen.get(nxt) != 1, "import circle: " + " -> ".join([*stack, node, nxt])
            if nxt not in seen:
                visit(nxt, [*stack, node])
        seen[node] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [])


@pytest.mark.parametrize(
    "module",
    ["helpers.extract", "helpers.writer", "helpers.beam", "helpers.records", "helpers.sample",
     "helpers.datasets", "helpers.train"],
)
def test_every_cli_answers_help(module):
    done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True,
                          timeout=300, cwd=config.ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"python -m {module}" in done.stdout


def test_console_scripts_point_at_cli_mains():
    text = (config.ROOT / "pyproject.toml").read_text()
    for script, target in [("video-extract", "helpers.extract.cli:main"),
                           ("video-records", "helpers.writer.cli:main"),
                           ("video-index", "helpers.records.cli:main"),
                           ("video-beam", "helpers.beam.cli:main")]:  # fmt: skip
        assert f'{script} = "{target}"' in text


def test_wheel_ships_every_sub_package(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
         str(tmp_path), str(config.ROOT)], capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for init in HELPERS.rglob("__init__.py"):
        assert str(init.relative_to(config.ROOT)) in names, f"{init} is not in the wheel"
    assert "helpers/records/manifest.py" in names
