"""The command line of the records stage: give shards from any tool a random-access index.

``python -m helpers.records SHARD [SHARD ...]`` (globs allowed) writes ``<shard>.index`` beside
each plain shard; ``helpers.writer`` and ``helpers.beam`` do this for their own shards.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from helpers.records.framing import RecordFileError, list_files
from helpers.records.index import index_shard

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m helpers.records``."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.records",
        description="Index TFRecord shards of SequenceExamples for random access "
        "(writes <shard>.index). Exit status: 0 all indexed, 1 some shards failed (each "
        "named on stderr), 2 bad arguments.",
    )
    parser.add_argument("shards", nargs="+", help="plain .tfrecord files or glob patterns")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Indexes every shard named; returns the exit status.

    Args:
        argv: Arguments without the program name (default ``sys.argv[1:]``).
    """
    args = build_parser().parse_args(argv)
    try:
        shards = list_files(args.shards)
    except RecordFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for shard in shards:
        try:
            print(index_shard(shard))
        except RecordFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
    if failed:
        print(f"{failed} of {len(shards)} shard(s) could not be indexed", file=sys.stderr)
    return 1 if failed else 0
