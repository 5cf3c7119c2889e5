"""Members of a remote zip, read by HTTP range requests: only the chosen files' bytes travel.

::

    from helpers.utils import remote_zip
    got = remote_zip.fetch_zip_members(url, {"UCF101/v_Blink_g01_c01.avi": Path("out/x.avi")})

Each member is verified (CRC-32 and size) and renamed into place only when whole.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import requests
from tqdm.auto import tqdm

from helpers.utils.downloads import (
    _CHUNK,
    NETWORK_ERRORS,
    PARTIAL_SUFFIX,
    DownloadError,
    failure_reason,
    mirror_url,
)

__all__ = ["ZipFetch", "fetch_zip_members"]


@dataclass(frozen=True)
class ZipFetch:
    """What :func:`fetch_zip_members` did.

    Attributes:
        fetched: Members written in this call.
        cached: Chosen members whose destination already existed.
        bytes: Uncompressed bytes written.
        zip_size: Size of the whole remote zip (what a full download would cost).
    """

    fetched: int
    cached: int
    bytes: int
    zip_size: int


def fetch_zip_members(
    url: str,
    choose: Callable[[zipfile.ZipInfo], Path | None],
    *,
    timeout: float = 30.0,
    retries: int = 2,
    progress: bool = True,
) -> ZipFetch:
    """Writes chosen members of a remote zip, reading only their bytes (HTTP range requests).

    `remotezip <https://pypi.org/project/remotezip/>`_ reads the central directory from the end
    of the file, then each chosen member with one ranged request. Each member is written to
    ``<dest>.partial``, its CRC-32 checked (zipfile does that when the read ends) and its size
    compared with the directory's, then renamed: a destination that exists is complete, and is
    skipped on the next run.

    Args:
        url: The real URL of the zip; :func:`mirror_url` applies.
        choose: Maps a member to its destination file, or None to skip it.
        timeout: Seconds to wait for a connection or for data.
        retries: How often a member whose transfer broke off is read again.
        progress: Show one tqdm bar over the members' bytes.

    Returns:
        Counts and sizes, see :class:`ZipFetch`.

    Raises:
        DownloadError: The zip cannot be read (HTTP error, no range support, refused or stalled
            connection), or a member is corrupt (CRC-32 or size mismatch). Nothing is left under
            the member's final name.
    """
    import remotezip  # only needed here; pinned in requirements.txt

    real = mirror_url(url)
    try:
        with (
            requests.Session() as session,
            remotezip.RemoteZip(real, session=session, timeout=(timeout, timeout)) as archive,
        ):
            todo, cached = [], 0
            for info in archive.infolist():
                dest = None if info.is_dir() else choose(info)
                if dest is None:
                    continue
                if dest.exists():
                    cached += 1
                else:
                    todo.append((info, dest))
            total = sum(info.file_size for info, _ in todo)
            with tqdm(total=total, unit="B", unit_scale=True, desc=Path(urlparse(url).path).name,
                      disable=not progress) as bar:  # fmt: skip
                for info, dest in todo:
                    for attempt in range(retries + 1):  # a dropped member is read again
                        try:
                            _extract_member(archive, info, dest, real, bar)
                            break
                        except DownloadError:
                            raise
                        except (remotezip.RemoteZipError, *NETWORK_ERRORS) as err:
                            if attempt == retries:
                                why = f"{info.filename}: {failure_reason(err, timeout)}"
                                raise DownloadError(real, why) from err
            return ZipFetch(len(todo), cached, total, archive.size())
    except DownloadError:
        raise
    except zipfile.BadZipFile as err:  # includes "Bad CRC-32 for file ..."
        raise DownloadError(real, f"bad zip: {err}") from err
    except (remotezip.RemoteZipError, *NETWORK_ERRORS) as err:
        raise DownloadError(real, failure_reason(err, timeout)) from err


def _extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, url: str,
                    bar: tqdm) -> None:  # fmt: skip
    """Streams one member to ``dest.partial``, verifies CRC-32 and size, renames it."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + PARTIAL_SUFFIX)
    written, done = 0, False
    try:
        with archive.open(info) as src, open(partial, "wb") as out:
            for chunk in iter(lambda: src.read(_CHUNK), b""):  # the CRC is checked at the end
                out.write(chunk)
                written += len(chunk)
                bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if written != info.file_size:
            raise DownloadError(url, f"{info.filename}: {written} bytes, expected {info.file_size}")
        os.replace(partial, dest)
        done = True
    except (zipfile.BadZipFile, zlib.error) as err:  # a CRC-32 mismatch, or undecodable data
        raise DownloadError(url, f"{info.filename}: corrupt member ({err})") from err
    finally:
        partial.unlink(missing_ok=True)  # a member restarts whole: members are small
        if not done:
            bar.update(-written)
