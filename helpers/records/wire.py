"""Where a serialized SequenceExample keeps its context and its JPEG frames, found byte by byte.

The protobuf wire format is a flat run of ``(tag, length, bytes)`` fields, so the position of
every frame inside a serialized record can be read off without parsing it into objects::

    from helpers.records import wire as record_wire
    layout = record_wire.locate(serialized)   # Layout(context=(0, 412), frames=((431, 2573), ...))
    serialized[slice(*layout.frame_slice(0))]   # the first JPEG, byte for byte

``helpers.records.index`` stores these positions per shard, so the pipeline can read a clip's
context and its chosen frames without reading (or checksumming, or parsing) the other frames.
The context bytes alone are a valid SequenceExample with no feature lists, so TensorFlow's
parser reads the label and id from them directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.records.keys import IMAGE_ENCODED_KEY

__all__ = ["Layout", "WireFormatError", "locate"]

_LEN = 2  # wire type of length-delimited fields (messages, bytes, strings)
# Field numbers in tensorflow/core/example/{example,feature}.proto.
_CONTEXT, _FEATURE_LISTS = 1, 2  # SequenceExample
_ENTRY, _KEY, _VALUE = 1, 1, 2  # FeatureLists.feature_list (a map entry: key, value)
_FEATURE = 1  # FeatureList.feature (repeated Feature)
_BYTES_LIST, _BYTES = 1, 1  # Feature.bytes_list, BytesList.value


class WireFormatError(ValueError):
    """The bytes are not a SequenceExample this module can locate frames in."""


@dataclass(frozen=True)
class Layout:
    """Byte ranges inside one serialized SequenceExample (offsets from its first byte).

    Attributes:
        context: ``(offset, length)`` of the context field, tag included: these bytes parse as a
            SequenceExample holding only the context.
        frames: ``(offset, length)`` of each frame's encoded image, in frame order.
    """

    context: tuple[int, int]
    frames: tuple[tuple[int, int], ...]

    def frame_slice(self, index: int) -> tuple[int, int]:
        """``(start, stop)`` of frame ``index``, for slicing the serialized bytes."""
        offset, length = self.frames[index]
        return offset, offset + length


def _varint(buf: memoryview, pos: int, end: int) -> tuple[int, int]:
    """Decodes the base-128 varint at ``pos``; returns ``(value, next position)``."""
    value = shift = 0
    while True:
        if pos >= end:
            raise WireFormatError(f"varint runs past the end at byte {pos}")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise WireFormatError(f"varint too long at byte {pos}")


def _fields(buf: memoryview, start: int, end: int):
    """Yields ``(field, tag_start, value_start, value_end)`` of each length-delimited field.

    Numeric fields are skipped. Raises :class:`WireFormatError` on bytes that are not protobuf.
    """
    pos = start
    while pos < end:
        tag_start = pos
        tag, pos = _varint(buf, pos, end)
        wire_type = tag & 7
        if wire_type == _LEN:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise WireFormatError(f"field at byte {tag_start} runs past its message")
            yield tag >> 3, tag_start, pos, pos + length
            pos += length
        elif wire_type == 0:
            _, pos = _varint(buf, pos, end)
        elif wire_type in (1, 5):
            pos += 8 if wire_type == 1 else 4
        else:
            raise WireFormatError(f"unsupported wire type {wire_type} at byte {tag_start}")


def _only(buf: memoryview, start: int, end: int, field: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` value ranges of every ``field`` directly inside ``[start, end)``."""
    return [(s, e) for f, _, s, e in _fields(buf, start, end) if f == field]


def _frames_of(buf: memoryview, start: int, end: int, key: bytes) -> list[tuple[int, int]] | None:
    """Frame ranges of the ``key`` feature list inside a FeatureLists message, or None."""
    found = None
    for entry_start, entry_end in _only(buf, start, end, _ENTRY):
        keys = _only(buf, entry_start, entry_end, _KEY)
        if not keys or bytes(buf[slice(*keys[-1])]) != key:
            continue
        values = _only(buf, entry_start, entry_end, _VALUE)
        found = []  # a repeated map key: the last entry wins, as in protobuf
        for value_start, value_end in values[-1:]:
            for feat_start, feat_end in _only(buf, value_start, value_end, _FEATURE):
                lists = _only(buf, feat_start, feat_end, _BYTES_LIST)
                items = [r for s, e in lists for r in _only(buf, s, e, _BYTES)]
                if len(items) != 1:
                    raise WireFormatError(f"frame {len(found)} holds {len(items)} images, not 1")
                found.append((items[0][0], items[0][1] - items[0][0]))
    return found


def locate(serialized: bytes | memoryview, key: str = IMAGE_ENCODED_KEY) -> Layout:
    """Finds the context and every encoded frame of ``key`` in one serialized SequenceExample.

    Args:
        serialized: The record's bytes (as written by ``tf.io.TFRecordWriter``).
        key: The feature list that holds one encoded image per frame.

    Returns:
        The byte ranges, relative to the first byte of ``serialized``.

    Raises:
        WireFormatError: The bytes are not protobuf, the context is split over several fields
            (legal, but no writer does it), a frame holds more than one image, or ``key`` is absent.
    """
    buf = memoryview(serialized)
    contexts, frames = [], None
    for field, tag_start, start, end in _fields(buf, 0, len(buf)):
        if field == _CONTEXT:
            contexts.append((tag_start, end - tag_start))
        elif field == _FEATURE_LISTS:
            got = _frames_of(buf, start, end, key.encode())
            frames = got if got is not None else frames
    if len(contexts) > 1:
        raise WireFormatError(f"the context is split over {len(contexts)} fields")
    if frames is None:
        raise WireFormatError(f"no {key!r} feature list")
    return Layout(context=contexts[0] if contexts else (0, 0), frames=tuple(frames))
