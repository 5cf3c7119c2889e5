"""The command line of ``python -m helpers.datasets``: real data in one command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from helpers.datasets import kinetics, ucf101
from helpers.datasets.common import DatasetError
from helpers.sources import SourceFormatError
from helpers.utils.downloads import MIRROR_ENV, DownloadError

__all__ = ["build_parser", "main"]

_EPILOG = f"""\
examples:
  # 10 UCF101 classes (the first 10 of classInd.txt), then records for the tutorials
  python -m helpers.datasets ucf101 --classes 10 --out data/ucf101-10
  python -m helpers.writer ucf101 --videos data/ucf101-10 \\
      --splits data/ucf101-10/ucfTrainTestlist --out data/records/ucf101-10

  # named classes, or everything
  python -m helpers.datasets ucf101 --classes Archery YoYo --out data/ucf101-2
  python -m helpers.datasets ucf101 --all --out data/ucf101

  # Kinetics-400 annotations (train/val/test CSVs + label map); the videos stay yours
  python -m helpers.datasets kinetics-annotations --version 400 --out data/kinetics400

where the data comes from:
  ucf101                {ucf101.UCF101_ZIP_URL}
                        (the zip of the TF tutorial "Load video data"; only the chosen
                        classes' members are read, by HTTP range requests)
                        {ucf101.SPLITS_ZIP_URL}
  kinetics-annotations  {kinetics.ANNOTATION_URLS["400"]}
                        (and kinetics600, kinetics700, kinetics700_2020)

downloads resume after an interruption (rerun the same command), are checked (size, zip CRC-32)
and appear under their final name only when complete; a second run fetches nothing.
{MIRROR_ENV}=http://host:port fetches https://H/P from ${MIRROR_ENV}/H/P instead;
https_proxy / no_proxy are honoured. Offline (CI or TFVIDEO_OFFLINE set, or no network/mirror
answers) nothing is tried. Errors print one line and exit with status 2.
"""


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser (also used to render ``--help`` in the docs)."""
    p = argparse.ArgumentParser(
        prog="python -m helpers.datasets",
        description="Fetch real video datasets: UCF101 by class, Kinetics annotations.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="dataset", required=True, metavar="{ucf101,kinetics-annotations}")
    ucf = sub.add_parser(
        "ucf101",
        help="chosen UCF101 classes' videos + the official split lists",
        description="Fetch only the chosen classes' videos from the hosted UCF101 zip (by HTTP "
        "range requests) and the official split lists, trimmed to those classes. Output: "
        "<out>/<Class>/v_*.avi and <out>/ucfTrainTestlist/ (classInd.txt, train/testlist0N.txt).",
    )
    which = ucf.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--classes", nargs="+", metavar="N|NAME",
        help="a number N (the first N classes of classInd.txt) or class names as spelled there",
    )  # fmt: skip
    which.add_argument("--all", action="store_true", help="all 101 classes (the whole zip)")
    kin = sub.add_parser(
        "kinetics-annotations",
        help="official Kinetics CSVs + label map (no videos)",
        description="Download a Kinetics release's annotation tarball and write "
        "<out>/kinetics-<version>_{train,val,test}.csv and <out>/kinetics-<version>_label_map.txt.",
    )
    kin.add_argument(
        "--version", required=True, choices=kinetics.VERSIONS, help="the Kinetics release"
    )
    for sp in (ucf, kin):
        sp.add_argument("--out", required=True, help="output folder")
        sp.add_argument(
            "--cache", help="where downloaded archives are kept (default: <data dir>/downloads)"
        )
        sp.add_argument(
            "--timeout", type=float, default=30.0,
            help="seconds to wait for a connection or for data (default %(default)s)",
        )  # fmt: skip
        sp.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def _classes(values: list[str] | None) -> int | list[str] | None:
    if values is None:
        return None
    if len(values) == 1 and values[0].isdigit():
        return int(values[0])
    return values


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _ucf101(args: argparse.Namespace) -> str:
    r = ucf101.fetch_ucf101(
        args.out, _classes(args.classes), cache=args.cache, timeout=args.timeout,
        progress=not args.quiet,
    )  # fmt: skip
    zip_part = f" from a {_mb(r.zip_size)} zip" if r.zip_size else ""
    lines = [
        f"ucf101: {len(r.classes)} of {r.total_classes} classes, {r.fetched} videos fetched"
        f"{zip_part}, {r.cached} already there; {_mb(r.bytes)} downloaded",
        f"  videos: {r.videos}/<Class>/v_*.avi",
        f"  splits: {r.splits}"
        + (f" (trimmed to the {len(r.classes)} classes, renumbered 1-{len(r.classes)})"
           if r.trimmed else " (official, unchanged)"),
    ]  # fmt: skip
    if r.missing:
        lines.append(f"  note: {len(r.missing)} listed videos not in the zip, e.g. {r.missing[0]}")
    lines.append(
        f"next: python -m helpers.writer ucf101 --videos {r.videos} --splits {r.splits} --out ..."
    )
    return "\n".join(lines)


def _kinetics(args: argparse.Namespace) -> str:
    r = kinetics.fetch_kinetics_annotations(
        args.version, args.out, cache=args.cache, timeout=args.timeout, progress=not args.quiet
    )
    rows = ", ".join(f"{split} {n}" for split, n in r.rows.items())
    return "\n".join([
        f"kinetics-{r.version}: {r.num_classes} classes; rows: {rows}; {_mb(r.bytes)} downloaded",
        *(f"  {split}: {path}" for split, path in r.csvs.items()),
        f"  label map: {r.label_map}",
        kinetics.videos_hint(r),
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success; 2 after one ``error: <url-or-file>[:<line>]: <reason>`` line on stderr.
    """
    args = build_parser().parse_args(argv)
    try:
        report = _ucf101(args) if args.dataset == "ucf101" else _kinetics(args)
    except (DownloadError, DatasetError, SourceFormatError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a full disk, a read-only folder: name the file
        where = err.filename or "output"
        print(f"error: {where}: {err.strerror or err}", file=sys.stderr)
        return 2
    print(report)
    return 0
