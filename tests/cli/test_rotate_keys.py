"""adm rotate-registry-token-keys: new registry tokens use a new key, old ones keep working."""

import base64
import json
import time
from collections.abc import Callable

import httpx

from tests.cli.conftest import Cli


def registry_token(cli: Cli) -> str:
    assert cli.server is not None
    answer = httpx.get(
        f"{cli.server.url}/openshift/token",
        params={"service": cli.server.address, "scope": "registry:catalog:*"},
        auth=cli.registry_auth,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def kid(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def test_rotation_signs_new_tokens_with_a_new_key_and_logs_nobody_out(cli: Cli) -> None:
    assert cli.server is not None
    before = registry_token(cli)

    said = cli("adm", "rotate-registry-token-keys")

    new_kid = said.split(" key ")[1].split()[0]
    assert said.startswith("secret/image-registry-token-signing-keys rotated:")
    assert new_kid != kid(before)
    time.sleep(1.1)  # each registry process follows a rotation made elsewhere within a second
    after = registry_token(cli)
    assert kid(after) == new_kid
    for token in (before, after):
        answer = httpx.get(
            f"{cli.server.url}/v2/", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert answer.status_code == 200


def test_only_those_who_may_update_the_keys_rotate_them(login_as: Callable[[str], Cli]) -> None:
    alice = login_as("alice")
    assert "forbidden" in alice.fails("adm", "rotate-registry-token-keys")
