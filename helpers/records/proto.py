"""TensorFlow's ``Example``/``SequenceExample`` messages, built with ``protobuf`` alone.

A conversion worker only needs to *write* SequenceExamples, and importing TensorFlow for that
costs seconds per process. The messages are tiny (``tensorflow/core/example/feature.proto``
and ``example.proto``), so this module declares the same fields, with the same numbers and
types, in a private descriptor pool and lets ``protobuf`` generate the classes::

    from helpers.records import proto
    example = proto.SequenceExample()
    example.context.feature["example/id"].bytes_list.value.append(b"clip")
    example.SerializeToString(deterministic=True)   # the bytes tf.train.SequenceExample gives

Same field numbers and wire types give the same bytes as ``tf.train.SequenceExample``
(``tests/test_records.py`` checks it), and either class parses the other's output. The pool is
private, so it never clashes with TensorFlow's own ``tensorflow.Feature`` when both are loaded.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = [
    "BytesList",
    "Example",
    "Feature",
    "FeatureList",
    "FeatureLists",
    "Features",
    "FloatList",
    "Int64List",
    "SequenceExample",
]

_PACKAGE = "tensorflow"  # the real package name: type names in errors read as TensorFlow's
_F = descriptor_pb2.FieldDescriptorProto


def _field(message: descriptor_pb2.DescriptorProto, name: str, number: int, kind: int,
           *, type_name: str = "", repeated: bool = False, oneof: int | None = None) -> None:
    """Adds one field (``kind`` is a ``FieldDescriptorProto.TYPE_*``) to ``message``."""
    field = message.field.add(name=name, number=number, type=kind)
    field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    if type_name:
        field.type_name = f".{_PACKAGE}.{type_name}"
    if oneof is not None:
        field.oneof_index = oneof


def _map(message: descriptor_pb2.DescriptorProto, name: str, value_type: str) -> None:
    """Adds ``map<string, value_type> name = 1`` (a repeated nested ``...Entry`` message)."""
    entry_name = "".join(part.capitalize() for part in name.split("_")) + "Entry"
    entry = message.nested_type.add(name=entry_name)
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name=value_type)
    _field(message, name, 1, _F.TYPE_MESSAGE, type_name=f"{message.name}.{entry_name}",
           repeated=True)  # fmt: skip


def _file() -> descriptor_pb2.FileDescriptorProto:
    """``feature.proto`` and ``example.proto`` as one proto3 file (packed repeated scalars)."""
    file = descriptor_pb2.FileDescriptorProto(
        name="helpers/records/example.proto", package=_PACKAGE, syntax="proto3"
    )
    for name, kind in (("BytesList", _F.TYPE_BYTES), ("FloatList", _F.TYPE_FLOAT),
                       ("Int64List", _F.TYPE_INT64)):  # fmt: skip
        _field(file.message_type.add(name=name), "value", 1, kind, repeated=True)
    feature = file.message_type.add(name="Feature")
    feature.oneof_decl.add(name="kind")
    for number, name in enumerate(("bytes_list", "float_list", "int64_list"), start=1):
        type_name = "".join(part.capitalize() for part in name.split("_"))
        _field(feature, name, number, _F.TYPE_MESSAGE, type_name=type_name, oneof=0)
    _map(file.message_type.add(name="Features"), "feature", "Feature")
    _field(file.message_type.add(name="FeatureList"), "feature", 1, _F.TYPE_MESSAGE,
           type_name="Feature", repeated=True)  # fmt: skip
    _map(file.message_type.add(name="FeatureLists"), "feature_list", "FeatureList")
    _field(file.message_type.add(name="Example"), "features", 1, _F.TYPE_MESSAGE,
           type_name="Features")  # fmt: skip
    sequence = file.message_type.add(name="SequenceExample")
    _field(sequence, "context", 1, _F.TYPE_MESSAGE, type_name="Features")
    _field(sequence, "feature_lists", 2, _F.TYPE_MESSAGE, type_name="FeatureLists")
    return file


_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_file())


def _class(name: str) -> type:
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{_PACKAGE}.{name}"))


BytesList = _class("BytesList")
FloatList = _class("FloatList")
Int64List = _class("Int64List")
Feature = _class("Feature")
Features = _class("Features")
FeatureList = _class("FeatureList")
FeatureLists = _class("FeatureLists")
Example = _class("Example")
SequenceExample = _class("SequenceExample")
