"""`describe is` as `oc describe is` prints it: the stream, then each tag with where it is
tagged from, its images newest first (`*` the current one) and its failed import."""

from moorage.cli.ages import age
from moorage.resources.objects import Object


def describe_stream(stream: Object) -> list[str]:
    meta, spec, status = stream["metadata"], stream.get("spec") or {}, stream.get("status") or {}
    listed = status.get("tags") or []
    images = {item["image"] for tag in listed for item in tag.get("items") or []}
    annotations = meta.get("annotations") or {}
    lookup = "true" if (spec.get("lookupPolicy") or {}).get("local") else "false"
    lines = [
        f"Name:\t\t\t{meta['name']}",
        f"Namespace:\t\t{meta.get('namespace', '')}",
        f"Created:\t\t{age(meta.get('creationTimestamp'))} ago",
        f"Labels:\t\t\t{_pairs(meta.get('labels'))}",
        f"Annotations:\t\t{_pairs(annotations)}",
        f"Image Repository:\t{status.get('dockerImageRepository', '')}",
        f"Image Lookup:\t\tlocal={lookup}",
        f"Unique Images:\t\t{len(images)}",
        f"Tags:\t\t\t{len(_tag_names(spec, listed))}",
    ]
    spec_tags = {t["name"]: t for t in spec.get("tags") or []}
    shown = {t["tag"]: t for t in listed}
    for name in _tag_names(spec, listed):
        lines += ["", *_tag(name, spec_tags.get(name), shown.get(name) or {})]
    return lines


def _tag_names(spec: Object, listed: list[Object]) -> list[str]:
    return sorted({t["name"] for t in spec.get("tags") or []} | {t["tag"] for t in listed})


def _tag(name: str, spec_tag: Object | None, shown: Object) -> list[str]:
    lines = [name]
    origin = (spec_tag or {}).get("from") or {}
    if origin:
        policy = (spec_tag or {}).get("importPolicy") or {}
        verb = "updates automatically from registry" if policy.get("scheduled") else "tagged from"
        lines.append(f"  {verb} {origin.get('name', '')}")
        if policy.get("insecure"):
            lines.append("    will use insecure HTTPS or HTTP connections")
        if ((spec_tag or {}).get("referencePolicy") or {}).get("type") == "Local":
            lines.append("    prefer registry pullthrough when referencing this tag")
    else:
        lines.append("  no spec tag")
    for index, item in enumerate(shown.get("items") or []):
        mark = "*" if index == 0 else " "
        reference, created = item["dockerImageReference"], age(item["created"])
        lines += ["", f"  {mark} {reference}", f"      {created} ago"]
    for condition in shown.get("conditions") or []:
        if condition.get("type") == "ImportSuccess" and condition.get("status") == "False":
            lines += [
                "",
                f"  ! error: Import failed ({condition.get('reason', '')}): "
                f"{condition.get('message', '')}",
                f"      {age(condition.get('lastTransitionTime'))} ago",
            ]
    return lines


def _pairs(values: dict[str, str] | None) -> str:
    if not values:
        return "<none>"
    return "\n\t\t\t".join(f"{k}={v}" for k, v in sorted(values.items()))
