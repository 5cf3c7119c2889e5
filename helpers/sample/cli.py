"""``python -m helpers.sample``: generate the sample dataset and print where its parts are.

The printed paths are the inputs of the other command lines, e.g.
``python -m helpers.writer ucf101 --root <ucf_root> --splits <ucf_splits> ...``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from helpers.sample.data import ensure_sample_data

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m helpers.sample``."""
    return argparse.ArgumentParser(
        prog="python -m helpers.sample",
        description="Generate the sample dataset (real encoded videos in UCF101 and Kinetics "
        "layouts) once, for the current mode (CI=true: the small set), and print its paths.",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Generates the sample data (once) and prints its folders; returns 0."""
    build_parser().parse_args(argv)
    data = ensure_sample_data()
    for field in ("root", "ucf_root", "ucf_splits", "kinetics_csv", "kinetics_videos"):
        print(f"{field:16s} {getattr(data, field)}")
    return 0
