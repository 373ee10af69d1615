"""OpenShift's challenging-client OAuth flow: a user name and password for a token.

`GET /oauth/authorize?response_type=token&client_id=openshift-challenging-client`
with Basic credentials and `X-CSRF-Token` answers 302 to a Location whose
fragment holds `access_token`; a refusal is a Status (401 for wrong
credentials, 429 for too many attempts), never followed as a redirect.
"""

import base64
from urllib.parse import parse_qs, urlsplit

import httpx

from moorage.auth.tokens import CLIENT_CHALLENGING
from moorage.cli.client import ApiClient
from moorage.cli.errors import CliError

AUTHORIZE = "/oauth/authorize"
REDIRECTS = (301, 302, 303, 307, 308)
WRONG_CREDENTIALS = "Verify you have provided correct credentials."


def check_username(username: str) -> None:
    """Basic authentication ends the user name at the first ':'; refuse before sending."""
    if ":" in username:
        raise CliError(f'the user name "{username}" contains ":", which no user name may')


def request_token(client: ApiClient, username: str, password: str) -> str:
    """A new access token for `username`, from the server's OAuth endpoint."""
    check_username(username)
    basic = base64.b64encode(f"{username}:{password}".encode()).decode()
    response = client.send(
        "GET",
        AUTHORIZE,
        headers={"Authorization": f"Basic {basic}", "X-CSRF-Token": "1"},
        params={"response_type": "token", "client_id": CLIENT_CHALLENGING},
    )
    if response.status_code in REDIRECTS:
        return _token_from(response.headers.get("location", ""))
    raise _refusal(response)


def _token_from(location: str) -> str:
    parts = urlsplit(location)
    answer = {**parse_qs(parts.query), **parse_qs(parts.fragment)}
    if answer.get("access_token"):
        return answer["access_token"][0]
    why = answer.get("error_description") or answer.get("error")
    raise CliError(
        f"Login failed: {why[0] if why else 'the server redirected without an access token'}"
    )


def _refusal(response: httpx.Response) -> CliError:
    """`Login failed (401 Unauthorized): why`, with the server's Status message."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = str(body.get("message") or "") if isinstance(body, dict) else ""
    message = message.removeprefix("Login failed: ")
    if not message and response.status_code == 401:
        message = WRONG_CREDENTIALS
    status = f"{response.status_code} {response.reason_phrase}"
    return CliError(f"Login failed ({status})" + (f": {message}" if message else ""))
