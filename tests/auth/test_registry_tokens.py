"""Registry tokens: HS256 JWTs that only this registry's keys sign, for five minutes."""

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from sqlalchemy import Engine, event

from moorage.auth import registry_tokens
from moorage.auth.registry_tokens import (
    ISSUER,
    Access,
    InvalidToken,
    RegistryTokens,
    UnknownKey,
    encode,
)
from moorage.auth.token_keys import SECRET, SigningKeys, rotate
from moorage.store.resources import ResourceStore

SERVICE = "registry.example:5000"
PULL_PUSH = Access("repository", "proj/app", ("pull", "push"))


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(store: ResourceStore, clock: Clock) -> SigningKeys:
    return SigningKeys(store, clock)


@pytest.fixture
def issuer(keys: SigningKeys, clock: Clock) -> RegistryTokens:
    return RegistryTokens(keys, clock)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segments(token: str) -> list[Any]:
    header, payload, _ = token.split(".")
    return [json.loads(base64.urlsafe_b64decode(part + "==")) for part in (header, payload)]


def signed(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    """A token written by hand: any header, any claims, an HS256 signature with `key`."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def claims(now: float, **changed: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "sub": "alice",
        "aud": SERVICE,
        "exp": int(now) + 300,
        "nbf": int(now),
        "iat": int(now),
        "jti": "x",
        "access": [PULL_PUSH.claim()],
    }
    return {**base, **changed}


def test_a_token_carries_who_it_is_for_and_what_it_grants(issuer: RegistryTokens) -> None:
    issued = issuer.issue("alice", SERVICE, [PULL_PUSH, Access("registry", "catalog", ())])

    verified = issuer.verify(issued.token)

    assert (verified.subject, verified.audience) == ("alice", SERVICE)
    assert verified.actions("repository", "proj/app") == {"pull", "push"}
    assert verified.actions("registry", "catalog") == frozenset()
    assert verified.actions("repository", "proj/other") is None
    assert issued.expires_in == 300


def test_the_token_is_a_compact_hs256_jwt_with_the_docker_claims(
    issuer: RegistryTokens, keys: SigningKeys, clock: Clock
) -> None:
    token = issuer.issue("alice", SERVICE, [PULL_PUSH]).token

    header, payload = segments(token)

    assert header == {"alg": "HS256", "typ": "JWT", "kid": keys.signing()[0]}
    assert payload["iss"] == ISSUER and payload["sub"] == "alice" and payload["aud"] == SERVICE
    assert payload["iat"] == payload["nbf"] == int(clock.now)
    assert payload["exp"] == int(clock.now) + 300
    assert payload["access"] == [
        {"type": "repository", "name": "proj/app", "actions": ["pull", "push"]}
    ]
    assert isinstance(payload["jti"], str) and len(payload["jti"]) >= 16


def test_each_token_has_its_own_id(issuer: RegistryTokens) -> None:
    first, second = (issuer.issue("alice", SERVICE, []).token for _ in range(2))
    assert segments(first)[1]["jti"] != segments(second)[1]["jti"]


def test_an_expired_token_is_refused(issuer: RegistryTokens, clock: Clock) -> None:
    token = issuer.issue("alice", SERVICE, [PULL_PUSH]).token
    clock.now += 300 + registry_tokens.CLOCK_SKEW
    with pytest.raises(InvalidToken, match="expired"):
        issuer.verify(token)


def test_a_remembered_token_is_refused_once_it_expires(
    issuer: RegistryTokens, clock: Clock
) -> None:
    token = issuer.issue("alice", SERVICE, [PULL_PUSH]).token
    issuer.verify(token)
    clock.now += 600
    with pytest.raises(InvalidToken, match="expired"):
        issuer.verify(token)


def test_a_token_not_valid_yet_is_refused(
    issuer: RegistryTokens, keys: SigningKeys, clock: Clock
) -> None:
    kid, key = keys.signing()
    early = encode(claims(clock.now, nbf=int(clock.now) + 60), kid, key)
    with pytest.raises(InvalidToken, match="not valid yet"):
        issuer.verify(early)


def test_a_changed_payload_breaks_the_signature(issuer: RegistryTokens, clock: Clock) -> None:
    header, _, signature = issuer.issue("alice", SERVICE, [PULL_PUSH]).token.split(".")
    wider = claims(
        clock.now, access=[{"type": "repository", "name": "other/app", "actions": ["*"]}]
    )
    forged = f"{header}.{b64(json.dumps(wider).encode())}.{signature}"
    with pytest.raises(InvalidToken, match="signature"):
        issuer.verify(forged)


def test_alg_none_is_refused(issuer: RegistryTokens, keys: SigningKeys, clock: Clock) -> None:
    kid = keys.signing()[0]
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    unsigned = f"{header}.{b64(json.dumps(claims(clock.now)).encode())}."
    with pytest.raises(InvalidToken, match="header"):
        issuer.verify(unsigned)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS512", "typ": "JWT"},
        {"alg": "RS256", "typ": "JWT"},
        {"alg": "HS256", "typ": "JWT", "jku": "http://attacker.example/keys"},
        {"alg": "HS256"},
    ],
    ids=["other-hmac", "asymmetric", "extra-field", "no-typ"],
)
def test_any_other_header_is_refused_even_with_a_valid_signature(
    issuer: RegistryTokens, keys: SigningKeys, clock: Clock, header: dict[str, str]
) -> None:
    kid, key = keys.signing()
    with pytest.raises(InvalidToken, match="header"):
        issuer.verify(signed({**header, "kid": kid}, claims(clock.now), key))


def test_a_token_signed_with_another_key_is_refused(
    issuer: RegistryTokens, keys: SigningKeys, clock: Clock
) -> None:
    kid = keys.signing()[0]
    with pytest.raises(InvalidToken, match="signature"):
        issuer.verify(encode(claims(clock.now), kid, b"k" * 32))


def test_a_token_naming_an_unknown_key_is_refused(issuer: RegistryTokens, clock: Clock) -> None:
    with pytest.raises(InvalidToken, match="unknown key"):
        issuer.verify(encode(claims(clock.now), "0123456789abcdef", b"k" * 32))


def test_a_token_from_another_issuer_is_refused(
    issuer: RegistryTokens, keys: SigningKeys, clock: Clock
) -> None:
    kid, key = keys.signing()
    with pytest.raises(InvalidToken, match="someone else"):
        issuer.verify(encode(claims(clock.now, iss="elsewhere"), kid, key))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        "!!!.???.***",
        "x" * 20_000,
        b64(b"[" * 5000 + b"]" * 5000) + ".e30.",
        "e30." + b64(b"[" * 5000) + ".",
    ],
    ids=["empty", "two-parts", "four-parts", "not-base64", "huge", "deep-header", "deep-payload"],
)
def test_garbage_is_refused(issuer: RegistryTokens, token: str) -> None:
    with pytest.raises(InvalidToken):
        issuer.verify(token)


@pytest.mark.parametrize(
    "access",
    [
        None,
        "all",
        [{"type": "repository", "name": "p/a"}],
        [{"type": 1, "name": "p/a", "actions": []}],
    ],
    ids=["missing", "string", "no-actions", "bad-type"],
)
def test_a_malformed_access_claim_is_refused(
    issuer: RegistryTokens, keys: SigningKeys, clock: Clock, access: object
) -> None:
    kid, key = keys.signing()
    with pytest.raises(InvalidToken):
        issuer.verify(encode(claims(clock.now, access=access), kid, key))


def test_rotation_keeps_tokens_signed_before_it_valid(
    store: ResourceStore, issuer: RegistryTokens, keys: SigningKeys, clock: Clock
) -> None:
    before = issuer.issue("alice", SERVICE, [PULL_PUSH]).token
    old_kid = keys.signing()[0]

    rotated = rotate(store, clock)

    elsewhere = RegistryTokens(SigningKeys(store, clock), clock)  # another worker, started now
    assert rotated.current != old_kid
    assert elsewhere.verify(before).subject == "alice"
    after = elsewhere.issue("alice", SERVICE, [PULL_PUSH]).token
    assert segments(after)[0]["kid"] == rotated.current
    # The worker that had the old key only picks up the new one when it sees it named.
    assert issuer.verify(after).subject == "alice"
    assert issuer.verify(before).subject == "alice"


def test_without_learning_an_unknown_key_is_named_and_the_store_is_not_read(
    store: ResourceStore, issuer: RegistryTokens, clock: Clock, engine: Engine
) -> None:
    rotated = rotate(store, clock)  # by another process
    token = encode(claims(clock.now), rotated.current, rotated.signing_key)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    with pytest.raises(UnknownKey):
        issuer.verify(token, learn=False)

    assert statements == []
    assert issuer.verify(token).subject == "alice"  # learning reads the set again
    assert statements


def test_a_key_rotated_by_another_process_is_learnt_at_most_once_a_second(
    store: ResourceStore, keys: SigningKeys, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter(float(n) for n in range(1000, 2000))
    monkeypatch.setattr("moorage.auth.token_keys.time.monotonic", lambda: next(ticks) / 1000)
    verifier = RegistryTokens(keys, clock)
    new = rotate(store, clock)
    token = encode(claims(clock.now), new.current, new.signing_key)

    verifier.verify(token)  # reads the set: the key is there

    newer = rotate(store, clock)
    refused = encode(claims(clock.now), newer.current, newer.signing_key)
    with pytest.raises(InvalidToken, match="unknown key"):
        verifier.verify(refused)  # the set was read less than a second ago


def test_rotation_drops_keys_no_live_token_can_use(store: ResourceStore, clock: Clock) -> None:
    first = SigningKeys(store, clock).signing()[0]
    clock.now += 3600
    second = rotate(store, clock).current
    clock.now += 3600
    third = rotate(store, clock)

    # `first` stopped signing an hour before `second` became current: no token of it is alive.
    assert set(third.keys) == {second, third.current}
    assert first not in third.keys


def test_a_key_rotated_moments_ago_is_kept_through_the_next_rotation(
    store: ResourceStore, clock: Clock
) -> None:
    first = SigningKeys(store, clock).signing()[0]
    clock.now += 10
    second = rotate(store, clock).current
    clock.now += 10
    third = rotate(store, clock)
    assert set(third.keys) == {first, second, third.current}


def test_the_current_key_is_replaced_after_a_day(
    store: ResourceStore, issuer: RegistryTokens, keys: SigningKeys, clock: Clock
) -> None:
    old = keys.signing()[0]
    before = issuer.issue("alice", SERVICE, []).token
    clock.now += 24 * 3600 + 1 - 300  # a token issued now expires after the key turns a day old

    last_of_old = issuer.issue("alice", SERVICE, []).token
    clock.now += 300
    first_of_new = issuer.issue("alice", SERVICE, []).token

    assert segments(before)[0]["kid"] == segments(last_of_old)[0]["kid"] == old
    assert segments(first_of_new)[0]["kid"] != old
    assert issuer.verify(last_of_old).subject == "alice"  # still within its five minutes


def test_the_keys_live_in_a_secret_of_the_registry_namespace(
    store: ResourceStore, keys: SigningKeys
) -> None:
    kid = keys.signing()[0]
    with store.reading() as tx:
        secret = tx.require(SECRET)
    assert (SECRET.namespace, SECRET.name) == (
        "openshift-image-registry",
        "image-registry-token-signing-keys",
    )
    annotations = secret["metadata"]["annotations"]
    assert annotations["image-registry.moorage.io/current-key"] == kid
    assert set(json.loads(annotations["image-registry.moorage.io/keys-created"])) == {kid}
    assert len(base64.b64decode(secret["data"][kid])) == 32


def test_every_process_shares_the_stored_keys(store: ResourceStore, clock: Clock) -> None:
    one, other = SigningKeys(store, clock), SigningKeys(store, clock)
    assert one.signing() == other.signing()


def test_a_verified_token_is_checked_once_then_remembered(
    issuer: RegistryTokens, keys: SigningKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = issuer.issue("alice", SERVICE, [PULL_PUSH]).token
    issuer.verify(token)
    monkeypatch.setattr(keys, "key", lambda _kid: pytest.fail("looked up a key again"))
    assert issuer.verify(token).subject == "alice"


def test_the_remembered_tokens_are_bounded(
    issuer: RegistryTokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry_tokens, "MAX_CACHED", 3)
    for _ in range(10):
        issuer.verify(issuer.issue("alice", SERVICE, []).token)
    assert len(issuer._verified) <= 3
