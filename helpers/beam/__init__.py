"""Beam: the local writer's conversion as an Apache Beam pipeline, for any runner.

::

    from helpers import beam, records, sources
    items = sources.folder_items("videos/", split="train")
    manifest = beam.run_pipeline(items, label_map, records.RecordConfig(), "out/",
                                 num_shards=4, pipeline_args=["--runner=DirectRunner"])

The output is the local writer's: the same shard layout, examples and ``manifest.json`` schema,
plus ``failures.jsonl`` for the videos that failed. ``python -m helpers.beam --help`` is the
command line; runner flags pass through unchanged. Modules: ``pipeline`` (the graph),
``dofns`` (the conversion), ``options`` (runner defaults, input checks), ``outputs`` (layout
and manifest), ``cli``.
"""

from helpers.beam.cli import build_parser
from helpers.beam.dofns import FAILED_TAG, CountFramesDoFn, VideoToExamplesDoFn
from helpers.beam.options import FAILURES_FILE, default_pipeline_args, read_failures
from helpers.beam.outputs import SHARD_TEMPLATE, shard_pattern
from helpers.beam.pipeline import build_pipeline, run_pipeline

__all__ = [
    "build_parser",
    "run_pipeline",
    "build_pipeline",
    "VideoToExamplesDoFn",
    "CountFramesDoFn",
    "FAILED_TAG",
    "FAILURES_FILE",
    "read_failures",
    "default_pipeline_args",
    "SHARD_TEMPLATE",
    "shard_pattern",
]
