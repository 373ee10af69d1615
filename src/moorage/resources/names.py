"""Names and the error for objects that break their kind's rules (no schema library needed).

The registry workers use these without loading the schemas of every kind.
"""

import re

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class Invalid(Exception):
    """An object that breaks its kind's schema; `causes` name each offending field."""

    def __init__(self, kind: str, name: str, causes: list[dict[str, str]]) -> None:
        details = "; ".join(f"{c['field']}: {c['message']}" for c in causes)
        super().__init__(f'{kind} "{name}" is invalid: {details}')
        self.kind, self.name, self.causes = kind, name, causes


def check_name(name: str | None, subdomain: bool = True) -> list[dict[str, str]]:
    if not name:
        return [
            {
                "reason": "FieldValueRequired",
                "message": "name or generateName is required",
                "field": "metadata.name",
            }
        ]
    pattern, limit = (DNS1123_SUBDOMAIN, 253) if subdomain else (DNS1123_LABEL, 63)
    if len(name) > limit or not pattern.match(name):
        what = "subdomain" if subdomain else "label"
        return [
            {
                "reason": "FieldValueInvalid",
                "message": f"a lowercase RFC 1123 {what} must consist of lower case alphanumeric "
                f"characters, '-' or '.', start and end with an alphanumeric character, "
                f"at most {limit} characters (got {name[:80]!r})",
                "field": "metadata.name",
            }
        ]
    return []
