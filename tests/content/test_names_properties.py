"""Repository names, tags and digests: every string is accepted by the grammar or refused
with the spec's error code, and everything the grammar describes is accepted."""

from hypothesis import given, settings
from hypothesis import strategies as st

from moorage.content.digest import Digest
from moorage.content.errors import RegistryError
from moorage.content.names import check_name, check_tag

RUN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
SEPARATOR = st.sampled_from([".", "_", "__", "-", "---"])
COMPONENT = st.builds(
    lambda first, rest: first + "".join(sep + run for sep, run in rest),
    RUN,
    st.lists(st.tuples(SEPARATOR, RUN), max_size=3),
)
# At most 4 components of at most 44 characters: always within MAX_NAME_LENGTH.
NAMES = st.lists(COMPONENT, min_size=1, max_size=4).map("/".join)
TAGS = st.from_regex(r"\A[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\Z")
# Strings near the grammar: its alphabet and a few characters it forbids.
NEARLY = st.text(alphabet="abc09._-/:@AZ%\x00 \n", max_size=300)


def accepted_or_refused(check, text: str, code: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        assert check(text) == text
        return True
    except RegistryError as refused:
        assert refused.code == code and refused.message
        return False


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(max_size=300), NEARLY))
def test_any_string_is_a_name_or_name_invalid(text: str) -> None:
    accepted_or_refused(check_name, text, "NAME_INVALID")


@settings(max_examples=1000, deadline=None)
@given(NAMES)
def test_every_name_the_grammar_describes_is_accepted(name: str) -> None:
    assert check_name(name) == name


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(max_size=200), NEARLY))
def test_any_string_is_a_tag_or_tag_invalid(text: str) -> None:
    if accepted_or_refused(check_tag, text, "TAG_INVALID"):
        assert 0 < len(text) <= 128 and "/" not in text and ":" not in text


@settings(max_examples=1000, deadline=None)
@given(TAGS)
def test_every_tag_the_grammar_describes_is_accepted(tag: str) -> None:
    assert check_tag(tag) == tag


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda a, h: f"{a}:{h}",
            st.sampled_from(["sha256", "sha512", "md5", ""]),
            st.text(alphabet="0123456789abcdefABCDEF", max_size=130),
        ),
    )
)
def test_any_string_is_a_digest_that_prints_as_itself_or_digest_invalid(text: str) -> None:
    try:
        assert str(Digest.parse(text)) == text
    except RegistryError as refused:
        assert refused.code == "DIGEST_INVALID"
