"""Repository names and tags, by the OCI distribution spec's grammar."""

import re

from moorage.content.errors import NameInvalid, TagInvalid

MAX_NAME_LENGTH = 255
_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_NAME = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
TAG_PATTERN = r"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$"
_TAG = re.compile(TAG_PATTERN)


def check_name(name: str) -> str:
    if len(name) > MAX_NAME_LENGTH:
        raise NameInvalid(f"repository name longer than {MAX_NAME_LENGTH} characters")
    if not _NAME.fullmatch(name):
        raise NameInvalid(f"invalid repository name {name[:80]!r}")
    return name


def is_tag(text: str) -> bool:
    """Whether `text` is a tag by the grammar; nothing else can ever be tagged."""
    return _TAG.fullmatch(text) is not None


def split_repository(repository: str) -> tuple[str, str] | None:
    """(project, stream) of a `<project>/<stream>` repository; None for any other shape, which
    no project holds."""
    project, _, stream = repository.partition("/")
    return (project, stream) if project and stream and "/" not in stream else None


def check_tag(tag: str) -> str:
    if not is_tag(tag):
        raise TagInvalid(f"invalid tag {tag[:80]!r}")
    return tag
