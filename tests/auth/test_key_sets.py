"""Rotating the registry's signing keys keeps every key that may still have a live token."""

from moorage.auth.key_sets import KeySet, decode, encode, with_new_key
from moorage.auth.registry_tokens import TOKEN_LIFETIME

T0 = 1_800_000_000.0


def test_the_first_key_of_a_new_set_is_current() -> None:
    keys = with_new_key(None, T0)
    assert list(keys.keys) == [keys.current]
    assert len(keys.signing_key) == 32 and keys.age(T0) == 0


def test_a_set_survives_its_secret() -> None:
    keys = with_new_key(with_new_key(None, T0), T0 + 10)
    assert decode(encode(keys)) == keys


def test_quick_rotations_keep_every_key_a_live_token_may_name() -> None:
    first = with_new_key(None, T0)
    second = with_new_key(first, T0 + 60)
    third = with_new_key(second, T0 + 120)  # first retired 60 s ago: its tokens may live
    assert set(third.keys) == {first.current, second.current, third.current}


def test_a_key_retired_two_token_lifetimes_ago_goes() -> None:
    first = with_new_key(None, T0)
    retired_at = T0 + 24 * 3600  # first signed for a day, then second took over
    second = with_new_key(first, retired_at)
    third = with_new_key(second, retired_at + 2 * TOKEN_LIFETIME + 1)
    assert set(third.keys) == {second.current, third.current}


def test_an_old_key_that_only_just_stopped_signing_stays() -> None:
    """A key's age says nothing: what counts is when the next one replaced it."""
    old = KeySet("a", {"a": b"k" * 32}, {"a": T0})
    rotated = with_new_key(old, T0 + 30 * 24 * 3600)
    assert "a" in rotated.keys
