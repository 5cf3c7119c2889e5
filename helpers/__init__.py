"""Get video into TensorFlow: one sub-package per stage of the data path.

The tree reads like the pipeline it teaches; each stage imports only the stages before it::

    config      the CI fast-mode switch, the offline switch and the data paths
    quiet       keeps start-up noise (cuInit without a GPU driver, Beam's extras) out of sight
    utils       atomic writes, lock files, the process pool, the exit contract, the network
                (one reachability decision per run, mirrors, resumable verified downloads)
    sources     UCF101 folders + split lists, Kinetics CSVs, plain folders -> VideoItem
    datasets    real data in one command: UCF101 by class (HTTP range reads), Kinetics CSVs
    frames      decode with OpenCV: fps resampling, trimming, resizing, JPEG, pictures
    extract     videos -> JPEG folders, in parallel and resumably, with a failure report
    records     the dataset format: keys, settings, truncation, encode/read, index, manifest
    writer      sharded, deterministic, resumable record writing on one machine
    pipeline    tf.data: choose a window, decode only its frames, clip-consistent augmentation
    movinet     MoViNet base and streaming inference, top-k, animated plots
    train       fine-tuning selected on validation, evaluation, export (SavedModel, TFLite)
    beam        the writer's conversion on Apache Beam (DirectRunner, Dask, Dataflow, ...)
    sample      the tutorial's generated sample data (only notebooks, tests and benchmarks use it)

Import the stage you need (``from helpers import records, pipeline``): light stages (sources,
frames, extract) do not pay for TensorFlow's import.
"""

from helpers import config as _config  # noqa: F401  (sets TensorFlow's allocator switch first)

__version__ = "0.1.0"
