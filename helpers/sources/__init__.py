"""Sources: UCF101 folders + split lists, Kinetics CSVs or plain folders, as one item type.

Every source gives the same :class:`VideoItem` (id, path, label, start/end, split)::

    from helpers import sources
    items = sources.ucf101_items("data/sample/UCF101", "data/sample/ucfTrainTestlist", "train")
    label_map = sources.build_label_map(items)        # class name -> index
    sources.check_labels(test_items, label_map, "test")

Bad input raises one of :data:`INPUT_ERRORS`, whose message names the file and line.
"""

from helpers.sources.errors import INPUT_ERRORS, SourceFormatError, UnknownLabelError
from helpers.sources.items import (
    DEFAULT_KINETICS_FORMAT,
    VIDEO_EXTENSIONS,
    VideoItem,
    build_label_map,
    check_labels,
    check_unique_ids,
    folder_items,
    kinetics_items,
    label_index,
    read_class_index,
    ucf101_items,
)

__all__ = [
    "VideoItem",
    "ucf101_items",
    "read_class_index",
    "kinetics_items",
    "DEFAULT_KINETICS_FORMAT",
    "folder_items",
    "VIDEO_EXTENSIONS",
    "build_label_map",
    "label_index",
    "check_labels",
    "check_unique_ids",
    "INPUT_ERRORS",
    "SourceFormatError",
    "UnknownLabelError",
]
