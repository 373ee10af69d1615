"""The few protobuf bodies kubectl sends however the server answers, read as JSON objects.

kubectl's typed clients (`kubectl auth can-i`) post protobuf and, unlike with CBOR,
do not retry in JSON on 415; their Accept header takes JSON, so only the request
needs reading. A body is the magic `k8s\\0` and a runtime.Unknown:

    Unknown { TypeMeta typeMeta = 1 { apiVersion = 1; kind = 2 }; bytes raw = 2; ... }

`raw` is the object's own message, read here by a schema of its string and
message fields (field number -> JSON name, and the nested schema of a message).
Kinds without a schema stay refused with 415.
"""

from collections.abc import Iterator
from typing import Any

MAGIC = b"k8s\x00"
VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5

# A message's fields: number -> (JSON name, schema of a nested message; None for a string).
Schema = dict[int, tuple[str, "Schema | None"]]

TYPE_META: Schema = {1: ("apiVersion", None), 2: ("kind", None)}
UNKNOWN: Schema = {1: ("typeMeta", TYPE_META)}  # raw (2) is read separately: it is bytes
RESOURCE_ATTRIBUTES: Schema = {
    1: ("namespace", None),
    2: ("verb", None),
    3: ("group", None),
    4: ("version", None),
    5: ("resource", None),
    6: ("subresource", None),
    7: ("name", None),
}
NON_RESOURCE_ATTRIBUTES: Schema = {1: ("path", None), 2: ("verb", None)}
SELF_REVIEW_SPEC: Schema = {
    1: ("resourceAttributes", RESOURCE_ATTRIBUTES),
    2: ("nonResourceAttributes", NON_RESOURCE_ATTRIBUTES),
}
KINDS: dict[tuple[str, str], Schema] = {
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): {2: ("spec", SELF_REVIEW_SPEC)},
}


class Undecodable(ValueError):
    """Not a body this module reads: malformed, or of a kind without a schema."""


def decode(body: bytes) -> dict[str, Any]:
    """The JSON object a Kubernetes protobuf body stands for."""
    if not body.startswith(MAGIC):
        raise Undecodable("the body lacks the k8s protobuf magic")
    envelope = body[len(MAGIC) :]
    type_meta = _message(envelope, UNKNOWN).get("typeMeta", {})
    key = (type_meta.get("apiVersion", ""), type_meta.get("kind", ""))
    schema = KINDS.get(key)
    if schema is None:
        raise Undecodable(f"{'/'.join(key)} is not read from protobuf")
    raw = b"".join(v for n, v in _fields(envelope) if n == 2 and isinstance(v, bytes))
    obj = _message(raw, schema)
    return {"apiVersion": key[0], "kind": key[1], "metadata": {}, **obj}


def _message(data: bytes, schema: Schema) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for number, value in _fields(data):
        if number not in schema or not isinstance(value, bytes):
            continue  # as protobuf does: fields it does not know are skipped
        name, nested = schema[number]
        obj[name] = _string(value) if nested is None else _message(value, nested)
    return {name: value for name, value in obj.items() if value not in ("", {})}


def _string(value: bytes) -> str:
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise Undecodable("a string field is not UTF-8") from None


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) pairs: varints as int, length-delimited fields as bytes."""
    index = 0
    while index < len(data):
        tag, index = _varint(data, index)
        number, wire = tag >> 3, tag & 7
        if wire == VARINT:
            value, index = _varint(data, index)
            yield number, value
        elif wire == LENGTH:
            size, index = _varint(data, index)
            if index + size > len(data):
                raise Undecodable("a field runs past the end of the body")
            yield number, data[index : index + size]
            index += size
        elif wire in (FIXED64, FIXED32):
            index += 8 if wire == FIXED64 else 4
        else:
            raise Undecodable(f"wire type {wire} is not protobuf's")


def _varint(data: bytes, index: int) -> tuple[int, int]:
    value, shift = 0, 0
    while index < len(data) and shift < 64:
        byte = data[index]
        value |= (byte & 0x7F) << shift
        index, shift = index + 1, shift + 7
        if not byte & 0x80:
            return value, index
    raise Undecodable("a varint is cut short")
