"""Pipeline: the tf.data reader. Choose a window, decode only its frames, augment the clip once.

::

    from helpers import pipeline, records
    ds = pipeline.build_dataset(records.shard_files(folder, "train"), num_frames=16,
                                training=True, image_size=172, batch_size=8)
    batch = next(iter(ds))        # {'image': [8, 16, 172, 172, 3], 'label': [8], ...}

Modules, in pipeline order: ``sampling`` (which frames), ``source`` (read only their bytes),
``decode`` (decode at the output's aspect), ``warp`` and ``augment`` (one crop, flip and
rotation per clip), ``dataset`` (build_dataset), ``timing`` (a throughput timer).
"""

from helpers.pipeline.augment import (
    AugmentConfig,
    augment_clip,
    random_crop_clip,
    random_flip_clip,
    random_rotate_clip,
    rotate_clip,
    rotation_transform,
)
from helpers.pipeline.dataset import build_dataset
from helpers.pipeline.decode import decode_scaled, decode_to_aspect, resize_to_float
from helpers.pipeline.sampling import SAMPLING_MODES, clip_seeds, frame_indices
from helpers.pipeline.source import READ_MODES, chosen_frames, read_mode, source_dataset
from helpers.pipeline.timing import Throughput, clips_per_second, throughput
from helpers.pipeline.warp import box_transform, unpack, warp_frames, warp_packed

__all__ = [
    "build_dataset",
    "SAMPLING_MODES",
    "frame_indices",
    "clip_seeds",
    "READ_MODES",
    "read_mode",
    "source_dataset",
    "chosen_frames",
    "decode_to_aspect",
    "decode_scaled",
    "resize_to_float",
    "AugmentConfig",
    "augment_clip",
    "rotation_transform",
    "rotate_clip",
    "random_rotate_clip",
    "random_crop_clip",
    "random_flip_clip",
    "warp_frames",
    "box_transform",
    "warp_packed",
    "unpack",
    "Throughput",
    "throughput",
    "clips_per_second",
]
