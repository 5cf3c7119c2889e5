"""Writer: sharded, deterministic, resumable SequenceExample shards on one machine.

::

    from helpers import records, sources, writer
    cfg = records.RecordConfig(size=128, policy="fixed", frames_per_example=16)
    manifest = writer.write_dataset(train_items, test_items, "data/records/ucf", cfg, shards=8)

``python -m helpers.writer --help`` is the command line (``cli``); ``shards`` writes one shard
and its sidecar, ``dataset`` deals clips to shards and writes the manifest.
"""

from helpers.writer.cli import build_parser, summary
from helpers.writer.dataset import write_dataset, write_split
from helpers.writer.shards import (
    ShardTask,
    assign_shards,
    read_sidecar,
    shard_filename,
    write_shard,
)

__all__ = [
    "build_parser",
    "summary",
    "write_dataset",
    "write_split",
    "ShardTask",
    "assign_shards",
    "shard_filename",
    "write_shard",
    "read_sidecar",
]
