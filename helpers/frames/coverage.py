"""Frames: whether a whole-file decode reached the end of the video (a partial decode).

A cut or damaged file decodes fewer frames than its header claims. The claim is a frame count
where the container stores one (MP4, AVI), but Matroska/WebM and others store only a duration,
which OpenCV turns into ``duration x header rate``: a header rate the timestamps contradict
makes that "count" wrong, and only time tells whether the decode got to the end.
"""

from __future__ import annotations

__all__ = ["decoded_fraction", "partial_decode"]

_RATE_MISMATCH = 0.1  # a measured rate this far from the header's: the header rate is wrong


def _coverage(
    decoded: int,
    claimed: int,
    header_fps: float,
    average_fps: float,
    decoded_until: float | None,
) -> tuple[float, bool]:
    """(share of the video decoded, whether judged by time rather than by frame count)."""
    if decoded >= claimed:
        return 1.0, False
    wrong_rate = (
        header_fps > 0
        and average_fps > 0
        and (abs(average_fps / header_fps - 1.0) > _RATE_MISMATCH)
    )
    if not wrong_rate or decoded_until is None:
        return decoded / claimed, False
    # The count is the container's duration x the header rate (all that Matroska and WebM give
    # OpenCV), so with a wrong rate it counts nothing; the duration still holds. The muxer
    # rounds the end to a header frame, hence one frame of slack.
    claimed_s = claimed / header_fps
    if decoded_until >= claimed_s - 1.0 / header_fps - 1e-3:
        return 1.0, True
    return decoded_until / claimed_s, True


def decoded_fraction(
    decoded: int,
    claimed: int,
    *,
    header_fps: float = 0.0,
    average_fps: float = 0.0,
    decoded_until: float | None = None,
) -> float:
    """The share of a video a whole-file decode reached; 1.0 when it reached the end.

    By frame count, unless the frames' times contradict the header's rate: then the header's
    count is only its duration x that rate, and the decode is judged by time (how far
    ``decoded_until``, the end of the last decoded frame, got into that duration).

    Args:
        decoded: Frames read from the file.
        claimed: The header's frame count.
        header_fps: The header's rate (0.0: none).
        average_fps: The rate measured over the decoded frames (0.0: unknown).
        decoded_until: Seconds from the file start to the end of the last decoded frame
            (None: judge by count).

    >>> decoded_fraction(90, 300)
    0.3
    >>> decoded_fraction(20, 39, header_fps=10, average_fps=5, decoded_until=4.0)
    1.0
    """
    return _coverage(decoded, claimed, header_fps, average_fps, decoded_until)[0]


def partial_decode(
    decoded: int,
    claimed: int,
    *,
    header_fps: float = 0.0,
    average_fps: float = 0.0,
    decoded_until: float | None = None,
) -> str | None:
    """Why a whole-file decode is partial (it stopped before the end), or None.

    Every report (extract, the record writers, Beam) lists a partial decode with this reason.
    The arguments are :func:`decoded_fraction`'s.

    >>> partial_decode(90, 300)
    'partial decode: 90 of the 300 frames the header claims (30%)'
    >>> partial_decode(11, 39, header_fps=10, average_fps=5, decoded_until=2.2)
    'partial decode: frames up to 2.2 s of the 3.9 s the header claims (56%)'
    """
    share, by_time = _coverage(decoded, claimed, header_fps, average_fps, decoded_until)
    if share >= 1.0:
        return None
    if by_time:
        return f"partial decode: frames up to {decoded_until:.1f} s of the " \
               f"{claimed / header_fps:.1f} s the header claims ({int(100 * share)}%)"  # fmt: skip
    return f"partial decode: {decoded} of the {claimed} frames the header claims " \
           f"({100 * decoded // max(claimed, 1)}%)"  # fmt: skip
