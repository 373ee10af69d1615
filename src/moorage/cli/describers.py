"""`describe` output: a readable page per object, secrets without their values."""

import base64
import re
from collections.abc import Callable
from typing import Any

from moorage.cli.ages import age
from moorage.cli.describe_streams import describe_stream
from moorage.cli.printers import format_table
from moorage.resources.objects import Object

SKIPPED = ("apiVersion", "kind", "metadata")


def title(key: str) -> str:
    """`dockerImageRepository` -> `Docker Image Repository`, as kubectl describes fields."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key)
    return words[:1].upper() + words[1:]


def _mapping(values: dict[str, Any] | None, indent: str) -> str:
    if not values:
        return "<none>"
    pairs = [f"{k}={v}" for k, v in sorted(values.items())]
    return ("\n" + indent).join(pairs)


def header(obj: Object, kind: str) -> list[str]:
    meta = obj.get("metadata") or {}
    pad, created = " " * 14, meta.get("creationTimestamp", "")
    return [
        f"Name:         {meta.get('name', '')}",
        f"Namespace:    {meta.get('namespace', '')}",
        f"Labels:       {_mapping(meta.get('labels'), pad)}",
        f"Annotations:  {_mapping(meta.get('annotations'), pad)}",
        f"API Version:  {obj.get('apiVersion', '')}",
        f"Kind:         {obj.get('kind', kind)}",
        f"Created:      {created} ({age(created)} ago)",
    ]


def fields(value: Any, depth: int = 0) -> list[str]:
    """Nested fields as indented `Title:  value` lines."""
    pad = "  " * depth
    lines: list[str] = []
    if isinstance(value, dict):
        for key in value:
            item = value[key]
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{title(key)}:")
                lines += fields(item, depth + 1)
            else:
                lines.append(f"{pad}{title(key)}:  {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                block = fields(item, depth + 1)
                lines += [f"{pad}- {block[0].lstrip()}", *block[1:]] if block else []
            else:
                lines.append(f"{pad}{_scalar(item)}")
    return lines


def _scalar(value: Any) -> str:
    if value is None or value == {} or value == []:
        return "<none>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _secret(obj: Object) -> list[str]:
    lines = [f"Type:  {obj.get('type', 'Opaque')}", "", "Data", "===="]
    for key, value in sorted((obj.get("data") or {}).items()):
        try:
            size = len(base64.b64decode(value))
        except ValueError:
            size = len(value)
        lines.append(f"{key}:  {size} bytes")
    return lines


def _configmap(obj: Object) -> list[str]:
    lines = ["Data", "===="]
    for key, value in sorted((obj.get("data") or {}).items()):
        lines += [f"{key}:", "----", str(value).rstrip("\n"), ""]
    lines += ["", "BinaryData", "===="]
    lines += [
        f"{key}: {len(base64.b64decode(v))} bytes"
        for key, v in sorted((obj.get("binaryData") or {}).items())
    ]
    return lines


def _generic(obj: Object) -> list[str]:
    return fields({k: v for k, v in obj.items() if k not in SKIPPED})


BODIES: dict[str, Callable[[Object], list[str]]] = {"secrets": _secret, "configmaps": _configmap}


def _quota(obj: Object) -> list[str]:
    """As kubectl describes a ResourceQuota: one tabwriter (two spaces apart) for the header
    and the table, and no events."""
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    rows = [["Name:", meta.get("name", "")], ["Namespace:", meta.get("namespace", "")]]
    if scopes := (obj.get("spec") or {}).get("scopes"):
        rows.append(["Scopes:", ", ".join(scopes)])
    rows += [["Resource", "Used", "Hard"], ["--------", "----", "----"]]
    rows += [[name, str(used.get(name, "0")), str(hard[name])] for name in sorted(hard)]
    widths = [max(len(row[i]) for row in rows if len(row) > i + 1) for i in range(2)]
    return [
        "".join(c.ljust(w + 2) for c, w in zip(r[:-1], widths, strict=False)) + r[-1] for r in rows
    ]


# Kinds whose whole page is their own, as oc prints it.
PAGES: dict[str, Callable[[Object], list[str]]] = {
    "imagestreams.image.openshift.io": describe_stream,
}
# Pages printed without events, as oc prints them.
WHOLE: dict[str, Callable[[Object], list[str]]] = {"resourcequotas.": _quota}


def describe(obj: Object, plural: str, group: str, events: list[Object]) -> str:
    whole = WHOLE.get(f"{plural}.{group}")
    if whole is not None:
        return "\n".join(whole(obj)) + "\n"
    page = PAGES.get(f"{plural}.{group}")
    if page is not None:
        return "\n".join([*page(obj), "", *_events(events)]) + "\n"
    body = BODIES.get(plural if not group else "", _generic)(obj)
    return "\n".join([*header(obj, plural), "", *body, "", *_events(events)]) + "\n"


def _events(events: list[Object]) -> list[str]:
    if not events:
        return ["Events:  <none>"]
    rows = [
        ["Type", "Reason", "Age", "From", "Message"],
        ["----", "------", "----", "----", "-------"],
    ]
    for event in events:
        when = (
            event.get("lastTimestamp")
            or event.get("eventTime")
            or (event.get("metadata") or {}).get("creationTimestamp")
        )
        source = (
            (event.get("source") or {}).get("component") or event.get("reportingComponent") or ""
        )
        rows.append(
            [
                str(event.get("type", "")),
                str(event.get("reason", "")),
                age(when),
                source,
                str(event.get("message", "")),
            ]
        )
    table = format_table(rows).rstrip("\n").split("\n")
    return ["Events:", *("  " + line for line in table)]
