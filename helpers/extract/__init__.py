"""Extract: videos -> JPEG folders, in parallel and resumably, with a failure report.

::

    from helpers import extract
    report = extract.extract_many(items, "data/frames", fps=10, size=128, workers=2)
    report.written, report.failed                 # counts; the report file lists each failure

``python -m helpers.extract --help`` is the command line (``cli``); ``batch`` does the work.
"""

from helpers.extract.batch import REPORT_NAME, ExtractReport, extract_many, extract_one, output_dir
from helpers.extract.cli import build_parser

__all__ = [
    "extract_many",
    "extract_one",
    "ExtractReport",
    "REPORT_NAME",
    "output_dir",
    "build_parser",
]
