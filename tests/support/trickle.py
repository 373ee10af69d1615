"""Request bodies sent as a slow link delivers them: in pieces, with pauses between."""

import socket
import time
from collections.abc import Iterator

PAUSE = 0.02  # seconds: long enough for the server to read each piece on its own


def trickled(body: bytes, pieces: int = 12) -> Iterator[bytes]:
    """`body` in `pieces` parts, pausing before each after the first."""
    size = max(1, -(-len(body) // pieces))
    for start in range(0, len(body), size):
        if start:
            time.sleep(PAUSE)
        yield body[start : start + size]


def framing(body: bytes, declared: bool) -> dict[str, str]:
    """Headers that send `body` with its Content-Length, or chunked (httpx's default)."""
    return {"Content-Length": str(len(body))} if declared else {}


def cut_off(port: int, head: list[str], part: bytes) -> None:
    """Send a request's head lines and `part` of its body to 127.0.0.1:`port`, then hang up."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall("\r\n".join(head).encode() + b"\r\n\r\n" + part)
