"""Get video into TensorFlow: one module per stage of the data path.

The package reads like the pipeline it teaches (each stage imports only the stages before it)::

    config          the CI fast-mode switch, the offline switch and the data paths
    sample_data     generated dataset of real encoded videos (UCF101- and Kinetics-shaped)
      synth         the procedurally drawn motion classes it is made of
    sources         UCF101 folders + split lists, Kinetics CSVs, plain folders -> VideoItem
                    (source_errors: what a bad line or label raises)
    frames          OpenCV decoding: fps resampling, trimming by seeking, FrameReader (one
                    frame at a time), resizing (frame_resize)
      jpeg          JPEG encode/decode and JPEG-folder output
      viz           labelled frame grids for the notebooks
    parallel        the process-pool runner (tqdm, per-task errors) shared by batch stages
      locks         one process at a time for the generate-once helpers (a lock file)
    extract         parallel, resumable batch extraction with a failure report;
                    extract_cli (its CLI)
    records         SequenceExample format: record_keys (MediaPipe names), record_config,
                    record_reader, truncation
      record_index  each shard's random-access index (record_wire: frame positions in a record)
      atomic        whole-file writes: a temporary name, fsync, rename
    writer          sharded, deterministic, resumable TFRecord writer: shard_writer,
                    writer_manifest, writer_cli (CLI), sample_records (the sample's records)
    pipeline        tf.data reader: sample a window (sampling), read and decode only those frames
                    (pipeline_source, decode_window, shard_check)
      warp          crop + flip + rotation + resize as one affine warp of packed uint8 pixels
    augment         clip-consistent rotation, crop, flip and colour
    movinet         MoViNet base and streaming inference and top-k: movinet_models (Model Garden
                    builder), movinet_load (Hub / SavedModel / untrained stand-in), movinet_labels,
                    downloads (the network check and cached downloads)
    animate         animated top-k probability plots
    train           fine-tuning MoViNet (train_data: sample pipelines; train_eval: accuracy,
                    confusion matrix, single-frame baseline)
    export          SavedModel (base + stream) and TFLite export (tflite_stream: running it)
    beam            the same conversion on Apache Beam: beam_dofns, beam_options, beam_manifest,
                    beam_cli (CLI)
    timing          a tiny tf.data throughput timer for notebooks and benchmarks
    render          run every notebook headless into build/

Modules are imported on demand (``from helpers import frames``) so that light stages do not pay for
TensorFlow's import.
"""

from helpers import config as _config  # noqa: F401  (sets TensorFlow's allocator switch first)

__version__ = "0.1.0"
