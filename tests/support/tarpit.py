"""A registry that never answers: what an import waiting on a dead or hostile registry meets."""

import contextlib
import socket
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def tarpit() -> Iterator[tuple[str, list[socket.socket]]]:
    """A registry that accepts connections and never answers (until the block ends, when
    it hangs up on them and on any later one): its address and the connections it holds."""
    held: list[socket.socket] = []
    closing = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        while not closing.is_set():
            connection, _ = listener.accept()
            held.append(connection)
            if closing.is_set():
                connection.close()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}", held
    finally:
        closing.set()
        for connection in held:
            connection.close()
        with contextlib.suppress(OSError):
            socket.create_connection(listener.getsockname()).close()  # wakes accept()
        listener.close()
