"""The SequenceExample key names (MediaPipe MediaSequence, plus DMVR's label text), in one place.

Reference these constants, never the strings. ``helpers.records`` re-exports all of them.
"""

from __future__ import annotations

__all__ = [
    "CLIP_DATA_PATH_KEY",
    "CLIP_END_TIMESTAMP_KEY",
    "CLIP_LABEL_INDEX_KEY",
    "CLIP_LABEL_STRING_KEY",
    "CLIP_LABEL_TEXT_KEY",
    "CLIP_MEDIA_ID_KEY",
    "CLIP_NUM_FRAMES_KEY",
    "CLIP_START_TIMESTAMP_KEY",
    "EXAMPLE_ID_KEY",
    "IMAGE_ENCODED_KEY",
    "IMAGE_FORMAT_KEY",
    "IMAGE_FRAME_RATE_KEY",
    "IMAGE_HEIGHT_KEY",
    "IMAGE_TIMESTAMP_KEY",
    "IMAGE_WIDTH_KEY",
]

# Context keys (MediaPipe MediaSequence names).
EXAMPLE_ID_KEY = "example/id"
CLIP_MEDIA_ID_KEY = "clip/media_id"
CLIP_DATA_PATH_KEY = "clip/data_path"
CLIP_START_TIMESTAMP_KEY = "clip/start/timestamp"  # int64 microseconds
CLIP_END_TIMESTAMP_KEY = "clip/end/timestamp"  # int64 microseconds (last frame + one frame period)
CLIP_LABEL_INDEX_KEY = "clip/label/index"
CLIP_LABEL_STRING_KEY = "clip/label/string"
CLIP_LABEL_TEXT_KEY = "clip/label/text"  # DMVR's name for the class name; same value
CLIP_NUM_FRAMES_KEY = "clip/frames"
IMAGE_FORMAT_KEY = "image/format"
IMAGE_HEIGHT_KEY = "image/height"
IMAGE_WIDTH_KEY = "image/width"
# float: the frames' rate (the resampling fps, else the source's); 0.0 when the source has none,
# a raw stream (.h264): its timestamps then only order the frames (spaced at FFmpeg's 25 fps).
IMAGE_FRAME_RATE_KEY = "image/frame_rate"
# Feature-list keys: one entry per frame.
IMAGE_ENCODED_KEY = "image/encoded"
IMAGE_TIMESTAMP_KEY = "image/timestamp"  # int64 microseconds from the start of the source file
