"""Repository names and tags, by the distribution spec's grammar."""

import pytest

from moorage.content.errors import NameInvalid, TagInvalid
from moorage.content.names import MAX_NAME_LENGTH, check_name, check_tag


@pytest.mark.parametrize(
    "name",
    [
        "a",
        "app",
        "proj/app",
        "a/b/c/d",
        "my-app",
        "my--app",
        "my_app",
        "my__app",
        "my.app",
        "v1.2/app-3",
        "0/9",
        "a" * MAX_NAME_LENGTH,
    ],
)
def test_a_valid_name_is_returned_unchanged(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "App",
        "proj/App",
        "/app",
        "app/",
        "proj//app",
        "..",
        "a..b",
        "proj/../app",
        "-app",
        "app-",
        "_app",
        "app_",
        ".app",
        "my___app",
        "my._app",
        "my app",
        "app:tag",
        "app@sha256",
        "ümlaut",
        "app\n",
        "proj/app\n",
        "a" * (MAX_NAME_LENGTH + 1),
    ],
)
def test_an_invalid_name_is_refused(name: str) -> None:
    with pytest.raises(NameInvalid) as raised:
        check_name(name)
    assert raised.value.code == "NAME_INVALID"


@pytest.mark.parametrize(
    "tag", ["latest", "v1", "V1.2.3", "1.0_rc-1", "_private", "0", "a" * 128, "A" + "b" * 127]
)
def test_a_valid_tag_is_returned_unchanged(tag: str) -> None:
    assert check_tag(tag) == tag


@pytest.mark.parametrize(
    "tag",
    [
        "",
        "-lead",
        ".lead",
        "a" * 129,
        "with/slash",
        "with:colon",
        "with+plus",
        "sp ace",
        "ü",
        "latest\n",
    ],
)
def test_an_invalid_tag_is_refused(tag: str) -> None:
    with pytest.raises(TagInvalid) as raised:
        check_tag(tag)
    assert raised.value.code == "TAG_INVALID"
