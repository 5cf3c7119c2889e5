"""The errors of :mod:`helpers.sources`: bad split files, CSV lines and labels.

Each names what is wrong and where, so a user can fix the input: ``str(err)`` of a
:class:`SourceFormatError` is ``"<file>:<line number>: <what>: '<the line>'"``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["INPUT_ERRORS", "SourceFormatError", "UnknownLabelError"]


class SourceFormatError(ValueError):
    """A split file or CSV line is malformed; the message names the file and line number."""

    def __init__(self, file: str | Path, line_no: int, what: str, line: str) -> None:
        self.file = str(file)
        self.line_no = line_no
        self.what = what
        self.line = line
        super().__init__(f"{file}:{line_no}: {what}: {line!r}")


class UnknownLabelError(KeyError):
    """A label is not in the label map (e.g. a test class never seen in training)."""

    def __str__(self) -> str:  # KeyError would print the repr of the message.
        return str(self.args[0]) if self.args else ""


INPUT_ERRORS = (OSError, SourceFormatError, UnknownLabelError)
"""What reading a dataset's lists raises for bad input: a missing file, a malformed line, an
unknown label. The command-line tools print it as one line and exit with status 2."""
