"""Registry bearer tokens: the Docker token format, as compact JWTs signed with HS256.

    header   {"alg":"HS256","typ":"JWT","kid":"<key id>"}       nothing else is accepted
    claims   iss, sub (user name), aud (service), exp, nbf, iat, jti,
             access: [{"type": "repository", "name": "<project>/<stream>",
                       "actions": ["pull", "push"]}, ...]

The issuer (the token endpoint) and the verifier (every registry route) are
the same service, so a shared secret signs (docs/adr/0005). The header must be
exactly the one this module writes for its key id: `alg: none`, another
algorithm, extra fields or another encoding are refused before any key is
looked at. A verified token is kept until it expires (bounded), so verifying
it again costs one dict lookup.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

ISSUER = "moorage-registry"
TOKEN_LIFETIME = 300
CLOCK_SKEW = 5.0
MAX_TOKEN_BYTES = 16 * 1024
MAX_HEADER_BYTES = 256  # ours is under 80
MAX_CACHED = 10_000
Grants = Mapping[tuple[str, str], frozenset[str]]


class Keys(Protocol):
    """Where signing keys come from (token_keys.SigningKeys)."""

    def signing(self) -> tuple[str, bytes]: ...

    def key(self, kid: str) -> bytes | None: ...

    def known(self, kid: str) -> bytes | None:
        """The key named `kid` among those already read (never reads them again)."""
        ...


class InvalidToken(Exception):
    """Why a token is refused; safe to show, it never contains the token."""


class UnknownKey(InvalidToken):
    """The token names a key this process does not know (yet)."""


@dataclass(frozen=True, slots=True)
class Access:
    """One entry of a token's `access` claim: what it grants on one resource."""

    type: str  # "repository" or "registry"
    name: str
    actions: tuple[str, ...]

    def claim(self) -> dict[str, Any]:
        return {"type": self.type, "name": self.name, "actions": list(self.actions)}


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int
    issued_at: float


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    subject: str
    audience: str
    expires: float
    grants: Grants  # (type, name) -> actions

    def actions(self, type_: str, name: str) -> frozenset[str] | None:
        """What the token grants on (type, name); None when it says nothing of it."""
        return self.grants.get((type_, name))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidToken("malformed token") from None


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _header(kid: str) -> str:
    return _b64(_json({"alg": "HS256", "typ": "JWT", "kid": kid}))


def _signature(key: bytes, signed: str) -> str:
    return _b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())


def encode(claims: Mapping[str, Any], kid: str, key: bytes) -> str:
    signed = f"{_header(kid)}.{_b64(_json(claims))}"
    return f"{signed}.{_signature(key, signed)}"


def decode(token: str, key_for: Callable[[str], bytes | None]) -> dict[str, Any]:
    """The claims of a token whose header and signature check out (claims unchecked)."""
    if len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
        raise InvalidToken("malformed token")
    header, payload, signature = token.split(".")
    kid = _kid(header)
    key = key_for(kid)
    if key is None:
        raise UnknownKey("token signed with an unknown key")
    expected = _signature(key, f"{header}.{payload}")
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise InvalidToken("token signature does not verify")
    claims = _parsed(_unb64(payload))
    if not isinstance(claims, dict):
        raise InvalidToken("malformed token")
    return claims


def _kid(header: str) -> str:
    """The key id of a header that is exactly what `encode` writes; refuses any other."""
    if len(header) > MAX_HEADER_BYTES:
        raise InvalidToken("token header is not HS256 from this registry")
    parsed = _parsed(_unb64(header))
    kid = parsed.get("kid") if isinstance(parsed, dict) else None
    if not isinstance(kid, str) or not kid.isalnum() or header != _header(kid):
        raise InvalidToken("token header is not HS256 from this registry")
    return kid


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidToken("malformed token") from None


def check_claims(claims: Mapping[str, Any], now: float) -> VerifiedToken:
    """The token these claims make, if they are current and well formed."""
    if claims.get("iss") != ISSUER:
        raise InvalidToken("token issued by someone else")
    times = [claims.get(name) for name in ("exp", "nbf", "iat")]
    if not all(isinstance(t, int | float) and not isinstance(t, bool) for t in times):
        raise InvalidToken("token lacks its validity times")
    expires, not_before = float(times[0]), float(times[1])  # type: ignore[arg-type]
    if now >= expires + CLOCK_SKEW:
        raise InvalidToken("token expired")
    if now + CLOCK_SKEW < not_before:
        raise InvalidToken("token not valid yet")
    subject, audience = claims.get("sub"), claims.get("aud")
    if not isinstance(subject, str) or not isinstance(audience, str):
        raise InvalidToken("token lacks its subject or audience")
    return VerifiedToken(subject, audience, expires, _grants(claims.get("access")))


def _grants(access: object) -> dict[tuple[str, str], frozenset[str]]:
    if not isinstance(access, list):
        raise InvalidToken("token lacks its access claim")
    grants: dict[tuple[str, str], frozenset[str]] = {}
    for entry in access:
        if not isinstance(entry, dict):
            raise InvalidToken("malformed access claim")
        type_, name, actions = entry.get("type"), entry.get("name"), entry.get("actions")
        if not isinstance(type_, str) or not isinstance(name, str) or not isinstance(actions, list):
            raise InvalidToken("malformed access claim")
        if not all(isinstance(action, str) for action in actions):
            raise InvalidToken("malformed access claim")
        grants[(type_, name)] = grants.get((type_, name), frozenset()) | frozenset(actions)
    return grants


class RegistryTokens:
    """Issues tokens with the current key; verifies them with any key of the set."""

    def __init__(self, keys: Keys, clock: Callable[[], float] = time.time) -> None:
        self._keys = keys
        self._clock = clock
        self._verified: dict[str, VerifiedToken] = {}

    def issue(self, subject: str, audience: str, access: Iterable[Access]) -> IssuedToken:
        now = int(self._clock())
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": audience,
            "exp": now + TOKEN_LIFETIME,
            "nbf": now,
            "iat": now,
            "jti": secrets.token_urlsafe(16),
            "access": [entry.claim() for entry in access],
        }
        kid, key = self._keys.signing()
        return IssuedToken(encode(claims, kid, key), TOKEN_LIFETIME, now)

    def verify(self, token: str, learn: bool = True) -> VerifiedToken:
        """The token's grants; raises InvalidToken. Checking `audience` is the caller's part.

        `learn`: a key not known yet makes the key set be read again (blocking); without
        it, such a token raises UnknownKey, for the caller to verify it again in a thread.
        """
        now = self._clock()
        known = self._verified.get(token)
        if known is not None:
            if now < known.expires + CLOCK_SKEW:
                return known
            del self._verified[token]
        key_for = self._keys.key if learn else self._keys.known
        verified = check_claims(decode(token, key_for), now)
        self._remember(token, verified, now)
        return verified

    def _remember(self, token: str, verified: VerifiedToken, now: float) -> None:
        if len(self._verified) >= MAX_CACHED:
            for cached, entry in list(self._verified.items()):
                if now >= entry.expires + CLOCK_SKEW:
                    del self._verified[cached]
            while len(self._verified) >= MAX_CACHED:
                del self._verified[next(iter(self._verified))]
        self._verified[token] = verified
