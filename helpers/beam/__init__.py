"""Beam: the local writer's conversion as an Apache Beam pipeline, for any runner.

::

    from helpers import beam, records, sources
    items = sources.folder_items("videos/", split="train")
    manifest = beam.run_pipeline(items, label_map, records.RecordConfig(), "out/",
                                 num_shards=4, pipeline_args=["--runner=DirectRunner"])

The output is the local writer's: the same shard layout, examples and ``manifest.json`` schema,
plus ``failures.jsonl`` for the videos that failed. Each element is one shard's work and every
step is a single-output ``ParDo``, so the same job runs on the DirectRunner, on Beam's Dask
runner over a ``dask.distributed`` cluster (``--runner
apache_beam.runners.dask.dask_runner.DaskRunner --dask_client_address tcp://host:8786``), and on
Dataflow, Flink or Spark. ``python -m helpers.beam --help`` is the command line; runner flags
pass through unchanged. Modules: ``pipeline`` (the graph), ``dofns`` (the conversion),
``files`` (atomic shard files on any filesystem), ``options`` (runner defaults, input checks),
``outputs`` (layout, failures and manifest), ``cli``.
"""

from helpers.beam.cli import build_parser
from helpers.beam.dofns import CountFramesDoFn, ShardJob, VideoToExamplesDoFn, video_threads
from helpers.beam.options import (
    DASK_RUNNER,
    FAILURES_FILE,
    default_pipeline_args,
    read_failures,
)
from helpers.beam.outputs import SHARD_TEMPLATE, shard_pattern
from helpers.beam.pipeline import CLIPS_PER_SHARD, build_pipeline, plan_shards, run_pipeline

__all__ = [
    "build_parser",
    "run_pipeline",
    "build_pipeline",
    "plan_shards",
    "ShardJob",
    "VideoToExamplesDoFn",
    "CountFramesDoFn",
    "video_threads",
    "CLIPS_PER_SHARD",
    "DASK_RUNNER",
    "FAILURES_FILE",
    "read_failures",
    "default_pipeline_args",
    "SHARD_TEMPLATE",
    "shard_pattern",
]
