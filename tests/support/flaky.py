"""A front that answers the first requests 503, as a busy cloud store may, and relays the rest
to the real endpoint unchanged."""

import http.client
import http.server
import threading
from typing import Any


class Flaky(http.server.ThreadingHTTPServer):
    """Answers the first `failures` requests 503 and passes the rest to the emulator on port
    `upstream` unchanged (the Host header too: a signature covers it). Serves while entered."""

    def __init__(self, upstream: int, failures: int) -> None:
        super().__init__(("127.0.0.1", 0), FlakyHandler)
        self.upstream, self.failures, self.seen = upstream, failures, 0
        self.answers: list[str] = []  # "METHOD path status", in the order answered

    def __enter__(self) -> "Flaky":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    server: Flaky

    def _relay(self) -> None:
        self.server.seen += 1
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.seen <= self.server.failures:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.server.answers.append(f"{self.command} {self.path} 503")
            return
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream)
        upstream.request(self.command, self.path, body, dict(self.headers))
        answer = upstream.getresponse()
        payload = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()
        self.server.answers.append(f"{self.command} {self.path} {answer.status}")

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _relay

    def log_message(self, format: str, *args: Any) -> None:
        return None
