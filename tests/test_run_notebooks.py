"""notebooks/run.py: one line per notebook, the failing cell named, no colour codes."""

from __future__ import annotations

import importlib.util
import json

import nbformat
import pytest

from helpers import config

spec = importlib.util.spec_from_file_location("run", config.ROOT / "notebooks" / "run.py")
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


def _notebook(path, *codes: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in codes]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)


def test_run_writes_executed_copy_and_one_line(tmp_path, capsys):
    src = tmp_path / "01_ok.ipynb"
    _notebook(src, "print(6 * 7)")
    assert run.main([str(src), "--out", str(tmp_path / "out")]) == 0
    cells = json.loads((tmp_path / "out" / "01_ok.ipynb").read_text())["cells"]
    assert "42" in "".join(cells[0]["outputs"][0]["text"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("running 1 notebook(s), mode=") and ", network=" in lines[0]
    assert lines[2].startswith("ok   01_ok.ipynb") and str(tmp_path / "out") in lines[2]
    assert lines[-1].startswith("1 passed, 0 failed")
    assert (tmp_path / "out" / "01_ok.log").exists()  # the kernel's console output went here


def test_every_kernel_inherits_the_one_network_decision(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TFVIDEO_NETWORK", "offline: DNS lookup for x failed")
    monkeypatch.setattr(run.reachability, "_decision", None)
    monkeypatch.setattr(config, "OFFLINE", False)  # not forced: the inherited decision counts
    src = tmp_path / "01_net.ipynb"
    _notebook(src, "import os; print(os.environ['TFVIDEO_NETWORK'])")
    assert run.main([str(src), "--out", str(tmp_path / "out")]) == 0
    cells = json.loads((tmp_path / "out" / "01_net.ipynb").read_text())["cells"]
    said = "".join(cells[0]["outputs"][0]["text"]).strip()
    assert said == "offline: DNS lookup for x failed"
    assert f"network={said}" in capsys.readouterr().out


def test_run_names_the_failing_cell_without_ansi(tmp_path, capsys):
    src = tmp_path / "02_bad.ipynb"
    _notebook(src, "x = 1", "\n# set up\nraise ValueError('boom')")
    assert run.main([str(src), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert (tmp_path / "out" / "02_bad.ipynb").exists()
    assert "FAIL 02_bad.ipynb" in out
    assert "cell 1: # set up: ValueError: boom" in out
    assert "\x1b[" not in out and out.rstrip().endswith("s") and "0 passed, 1 failed" in out


def test_list_and_filter():
    every = run.choose([])
    assert [p.name[:2] for p in every] == sorted(p.name[:2] for p in every) and len(every) >= 6
    assert [p.name for p in run.choose(["03"])] == [p.name for p in every if "03" in p.name]
    with pytest.raises(ValueError, match="no notebook matches"):
        run.choose(["zz_nothing"])


def test_a_bad_filter_is_one_error_line_and_status_2(capsys):
    assert run.main(["zz_nothing"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "error: zz_nothing: no notebook matches\n" and captured.out == ""


def test_strip_ansi():
    assert run.strip_ansi("\x1b[0;31mValueError\x1b[0m: x") == "ValueError: x"


def test_a_cell_counts_as_started_before_any_kernel_message():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in ("a", "b", "c")]
    assert run._running_cell(nb) is None
    nb.cells[0].metadata["execution"] = {"shell.execute_reply": "t"}
    nb.cells[1].metadata["execution"] = {}  # what nbclient sets as it sends the cell
    assert run._running_cell(nb) == 1


def test_a_dead_kernel_names_its_cell(tmp_path, capsys):
    src = tmp_path / "03_dies.ipynb"
    _notebook(src, "x = 1", "import os\nos._exit(1)", "y = 2")
    nb = nbformat.read(src, as_version=4)
    nb.cells[2].metadata["execution"] = {"shell.execute_reply": "from an earlier run"}
    nbformat.write(nb, src)
    assert run.main([str(src), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "FAIL 03_dies.ipynb" in out and "     cell 1: DeadKernelError: " in out
    assert "[]" not in out
