"""Get video into TensorFlow: one module per stage of the data path.

The package reads like the pipeline it teaches::

    config       the CI fast-mode switch, the offline switch and the data paths
    sample_data  generated dataset of real encoded videos (UCF101- and Kinetics-shaped)
    sources      UCF101 folders + split lists, Kinetics CSVs, plain folders -> VideoItem
    frames       OpenCV decoding: fps resampling, trimming by seeking, resizing, JPEG
    extract      parallel, resumable batch extraction with a failure report (CLI)
    records      SequenceExample format with MediaPipe MediaSequence keys, truncation policies
    writer       sharded, deterministic, resumable TFRecord writer (CLI)
    pipeline     tf.data reader: sample a window, then decode only those frames
    augment      clip-consistent rotation, crop, flip and colour
    movinet      MoViNet base and streaming models (TF Hub, or an offline Model Garden stand-in)
    animate      animated top-k probability plots
    train        fine-tuning MoViNet on your records
    export       SavedModel (base + stream) and TFLite export
    beam         the same conversion on Apache Beam (CLI)
    render       run every notebook headless into build/

Modules are imported on demand (``from helpers import frames``) so that light stages do not pay for
TensorFlow's import.
"""

__version__ = "0.1.0"
