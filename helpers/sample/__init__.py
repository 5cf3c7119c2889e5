"""The tutorial's sample: real encoded videos of drawn motion classes, made here, offline.

No library stage imports this package; notebooks, tests and benchmarks do::

    from helpers import sample
    data = sample.ensure_sample_data()                 # UCF101- and Kinetics-shaped folders
    folder = sample.ensure_sample_records(size=64)     # their records, written once
    path, what = sample.example_clip()                 # a clip for MoViNet, and what it is
    ds = sample.tutorial_dataset()                     # the dataset notebook 01 chose
    folder = sample.ensure_sample_records(dataset=ds)  # ...and its records

``python -m helpers.sample`` generates the data and prints its paths. Modules: ``synth`` (the
drawn motions), ``data`` (the videos and lists), ``records``, ``example``, ``tutorial`` (the
dataset notebook 01 chooses: the sample or a UCF101 subset), ``cli``.
"""

from helpers.sample.data import (
    KINETICS_LABELS,
    SampleData,
    ensure_sample_data,
    read_frame_index,
    write_index_video,
)
from helpers.sample.example import JUMPING_JACK_URL, example_clip
from helpers.sample.records import ensure_sample_records
from helpers.sample.synth import CLASSES
from helpers.sample.tutorial import (
    DATASETS,
    TutorialDataset,
    choose_dataset,
    recorded_choice,
    tutorial_dataset,
)

__all__ = [
    "ensure_sample_data",
    "SampleData",
    "CLASSES",
    "KINETICS_LABELS",
    "read_frame_index",
    "write_index_video",
    "choose_dataset",
    "tutorial_dataset",
    "recorded_choice",
    "TutorialDataset",
    "DATASETS",
    "ensure_sample_records",
    "example_clip",
    "JUMPING_JACK_URL",
]
