"""The render command executes notebooks and keeps the executed copy."""

from __future__ import annotations

import json

import nbformat

from helpers import render


def _notebook(path, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)


def test_render_writes_executed_copy(tmp_path):
    src = tmp_path / "01_ok.ipynb"
    _notebook(src, "print(6 * 7)")
    assert render.main([str(src), "--out", str(tmp_path / "out")]) == 0
    cells = json.loads((tmp_path / "out" / "01_ok.ipynb").read_text())["cells"]
    assert "42" in "".join(cells[0]["outputs"][0]["text"])


def test_render_reports_failure_and_keeps_partial_copy(tmp_path):
    src = tmp_path / "02_bad.ipynb"
    _notebook(src, "raise ValueError('boom')")
    assert render.main([str(src), "--out", str(tmp_path / "out")]) == 1
    assert (tmp_path / "out" / "02_bad.ipynb").exists()
