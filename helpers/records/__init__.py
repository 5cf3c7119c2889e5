"""Records: the dataset format. One clip per SequenceExample, JPEG frames, MediaPipe key names.

Everything that defines what is on disk lives here, so every writer (``helpers.writer``,
``helpers.beam``) and every reader (``helpers.pipeline``, MediaPipe, DMVR) agrees::

    from helpers import records
    cfg = records.RecordConfig(size=128, policy="fixed", frames_per_example=16)
    examples = records.item_to_examples(item, label_map, cfg)    # serialized SequenceExamples
    parsed = records.parse_example(examples[0])                  # the features as tensors
    records.shard_files("data/records/ucf", "train")             # a split's shards (manifest)

Modules: ``keys`` (MediaSequence names), ``settings`` (RecordConfig), ``truncation`` (clip length
policies), ``proto`` (TensorFlow's Example messages from ``protobuf`` alone), ``encode`` (clip ->
example), ``reader`` (example -> tensors), ``framing`` (TFRecord framing and CRCs; writes record
files without TensorFlow), ``wire`` and ``index`` (random access to frames), ``manifest`` (the
one ``manifest.json`` schema), ``cli`` (``python -m helpers.records``: index shards). Writing
(``encode``, ``framing``, ``index.entries_for``) never imports TensorFlow; reading does.
"""

from helpers.utils.lazy import lazy_face

# Names load on first use: the light modules (keys, settings, truncation, manifest) must not pull in
# TensorFlow for the Beam workers and the command lines that import only them.
_MODULES: dict[str, tuple[str, ...]] = {
    "keys": (
        "EXAMPLE_ID_KEY",
        "CLIP_MEDIA_ID_KEY",
        "CLIP_DATA_PATH_KEY",
        "CLIP_START_TIMESTAMP_KEY",
        "CLIP_END_TIMESTAMP_KEY",
        "CLIP_NUM_FRAMES_KEY",
        "CLIP_LABEL_INDEX_KEY",
        "CLIP_LABEL_STRING_KEY",
        "CLIP_LABEL_TEXT_KEY",
        "IMAGE_FORMAT_KEY",
        "IMAGE_HEIGHT_KEY",
        "IMAGE_WIDTH_KEY",
        "IMAGE_FRAME_RATE_KEY",
        "IMAGE_ENCODED_KEY",
        "IMAGE_TIMESTAMP_KEY",
    ),
    "settings": ("RecordConfig",),
    "truncation": ("POLICIES", "SHORT_POLICIES", "policy_indices", "policy_lengths"),
    "encode": (
        "clip_to_example",
        "example_from_jpegs",
        "item_to_examples",
        "item_to_examples_with_stats",
        "count_frames",
        "default_threads",
    ),
    "reader": (
        "parse_example",
        "parse_context",
        "decode_frames",
        "iter_records",
        "inspect_record",
        "shard_stats",
    ),
    "shard": ("convert_items", "ShardContent", "failure_reason"),
    "framing": ("RecordFileError", "list_files", "is_gzip", "check_record_file", "write_records"),
    "index": ("INDEX_SUFFIX", "index_path", "index_shard", "ensure_index", "current_index"),
    "manifest": (
        "FORMAT",
        "MANIFEST_FILE",
        "split_entry",
        "build_manifest",
        "write_manifest",
        "read_manifest",
        "load_manifest",
        "check_manifest",
        "shard_files",
        "class_names",
    ),
}
__all__, __getattr__, __dir__ = lazy_face(__name__, _MODULES)
