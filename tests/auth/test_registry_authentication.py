"""The registry's authentication against a real store: no failure locks out a valid token."""

import asyncio
from pathlib import Path

import pytest

from moorage.auth.credentials import BASIC, BEARER, Credentials
from moorage.auth.identities import Identities
from moorage.auth.passwords import HtpasswdFile
from moorage.auth.policy import StoredPolicy
from moorage.auth.registry_access import RegistryAccess
from moorage.auth.registry_authentication import (
    NOT_A_TOKEN,
    UNKNOWN_TOKEN,
    RegistryAuthentication,
    Unauthenticated,
)
from moorage.auth.registry_tokens import RegistryTokens
from moorage.auth.token_keys import SigningKeys
from moorage.auth.tokens import CLIENT_CHALLENGING
from moorage.store.resources import ResourceStore
from tests.support.users import write_htpasswd

SOURCE = "192.0.2.7"
GUESSES = [
    Credentials(BASIC, "alice", "sha256~" + "C" * 43),
    Credentials(BEARER, secret="sha256~" + "D" * 43),
    Credentials(BASIC, "alice", "her-password"),
]


@pytest.fixture
def authentication(store: ResourceStore, tmp_path: Path) -> RegistryAuthentication:
    htpasswd = write_htpasswd(tmp_path / "users.htpasswd", {"alice": "her-password"})
    identities = Identities(store, HtpasswdFile(htpasswd))
    access = RegistryAccess(StoredPolicy(store), store)
    return RegistryAuthentication(identities, access, RegistryTokens(SigningKeys(store)))


def test_a_valid_token_is_accepted_after_any_number_of_failures_from_its_source(
    authentication: RegistryAuthentication,
) -> None:
    alice = authentication.identities.login("alice", "her-password")
    token, _ = authentication.identities.issue(alice, CLIENT_CHALLENGING, 60)

    async def attempts() -> list[str]:
        for _ in range(50):
            for guess in GUESSES:
                with pytest.raises(Unauthenticated):
                    await authentication.principal(guess, SOURCE)
        valid = [Credentials(BASIC, "alice", token), Credentials(BEARER, secret=token)]
        return [(await authentication.principal(found, SOURCE)).name for found in valid]

    assert asyncio.run(attempts()) == ["alice", "alice"]


def test_failures_are_counted_by_reason(authentication: RegistryAuthentication) -> None:
    async def attempts() -> None:
        for guess in GUESSES:
            with pytest.raises(Unauthenticated):
                await authentication.principal(guess, SOURCE)

    asyncio.run(attempts())
    assert authentication.failures == {UNKNOWN_TOKEN: 2, NOT_A_TOKEN: 1}
