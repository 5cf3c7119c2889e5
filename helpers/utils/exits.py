"""The exit statuses every command line of the project shares, and the one-line error.

::

    def main(argv=None) -> int:
        return run_main(lambda: _main(argv), INPUT_ERRORS)   # 0, 1, 2 or 3
"""

from __future__ import annotations

import errno
import sys
import traceback
from collections.abc import Callable

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_SOME_FAILED",
    "EXIT_STATUS_HELP",
    "below_one",
    "error_line",
    "run_main",
]

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3

EXIT_STATUS_HELP = """\
exit status:
  0  finished: every clip converted
  1  finished, but some clips failed (the summary counts them; the report lists each with its
     reason); the outputs are complete for the clips that converted
  2  bad input, or an output that cannot be written (read-only folder, full disk): one line
     "error: <file>[:<line>]: <reason>" on stderr; nothing half-written is left
  3  an internal error (a bug: the traceback is printed); rerunning resumes
"""
"""The block each CLI's ``--help`` ends with (the README quotes it)."""

_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def below_one(args: object, *flags: str) -> str | None:
    """The error line for the first count among ``flags`` that is set below 1, or None.

    Args:
        args: Parsed arguments (an ``argparse.Namespace``); a flag set to None is not checked.
        *flags: Attribute names, e.g. ``"workers"`` for ``--workers``.

    >>> import argparse
    >>> below_one(argparse.Namespace(workers=0, epochs=3), "epochs", "workers")
    'error: --workers: must be at least 1, got 0'
    """
    for flag in flags:
        value = getattr(args, flag)
        if value is not None and value < 1:
            return f"error: --{flag}: must be at least 1, got {value}"
    return None


def error_line(err: BaseException) -> str:
    """``error: <file>[:<line>]: <reason>`` for an input or output error.

    An ``OSError`` names its file and the system's reason (``No space left on device``); other
    errors (``SourceFormatError``, ``VideoDecodeError``) already start with their file.
    """
    if isinstance(err, OSError) and err.filename is not None:
        reason = err.strerror or str(err)
        if err.errno in _OUTPUT_ERRNOS:
            reason += " (nothing half-written was left; fix it and rerun to resume)"
        return f"error: {err.filename}: {reason}"
    text = str(err).strip().splitlines()
    return f"error: {text[0] if text else type(err).__name__}"


def run_main(body: Callable[[], int], input_errors: tuple[type[BaseException], ...]) -> int:
    """Runs a CLI's work and maps what it raises to the shared exit statuses.

    Args:
        body: The work; returns 0 or 1 (see :data:`EXIT_STATUS_HELP`).
        input_errors: Exceptions that mean bad input or an unwritable output (OSError is
            always one): printed as one :func:`error_line`, status 2.

    Returns:
        The exit status: the body's, 2 for bad input, 130 on Ctrl-C, 3 for anything else
        (with its traceback).
    """
    try:
        return body()
    except (OSError, *input_errors) as err:
        print(error_line(err), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; rerun to resume", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - a bug: show it, with its own status.
        traceback.print_exc()
        print("internal error (a bug): please report it with the traceback above", file=sys.stderr)
        return EXIT_INTERNAL
