"""A trivial registry stand-in that measures the benchmark client: it swallows upload bodies
and answers blob GETs with sendfile from the source file (same sizes, not the same bytes).

Usage: python bench/sink.py PORT SOURCE
"""

import os
import socketserver
import sys
import urllib.parse
from typing import BinaryIO

BUFFER = bytearray(1 << 20)
SIZES: dict[str, int] = {}


def drain(rfile: BinaryIO, length: int) -> None:
    view = memoryview(BUFFER)
    while length > 0:
        got = rfile.readinto(view[: min(length, len(view))])
        if not got:
            raise ConnectionError("body cut short")
        length -= got


class Handler(socketserver.StreamRequestHandler):
    rbufsize = 1 << 16
    source = ""

    def handle(self) -> None:
        while True:
            line = self.rfile.readline()
            if not line.strip():
                return
            method, target, _ = line.decode().split(" ", 2)
            headers = {}
            while (h := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
                key, _, value = h.decode().partition(":")
                headers[key.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            drain(self.rfile, length)
            self.answer(method, urllib.parse.urlsplit(target), length)

    def reply(self, status: str, headers: dict[str, str], length: int = 0) -> None:
        head = [f"HTTP/1.1 {status}", f"Content-Length: {length}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode())

    def answer(self, method: str, url: urllib.parse.SplitResult, length: int) -> None:
        query = urllib.parse.parse_qs(url.query)
        if method in ("POST", "PATCH", "PUT"):
            upload = url.path.rstrip("/") + "/u1" if method == "POST" else url.path
            received = length + (SIZES.pop(upload, 0) if method != "POST" else 0)
            if "digest" in query:
                SIZES[query["digest"][0]] = received
                self.reply("201 Created", {"Location": url.path})
            else:
                SIZES[upload] = received
                self.reply("202 Accepted", {"Location": upload})
        elif "/blobs/" in url.path:
            size = SIZES.get(url.path.rsplit("/", 1)[1], 0)
            self.reply("200 OK", {"Content-Type": "application/octet-stream"}, size)
            if method == "GET" and size:
                self.wfile.flush()
                with open(self.source, "rb") as f:
                    self.connection.sendfile(f, 0, size)
        else:
            self.reply("200 OK", {})


def main() -> None:
    Handler.source = sys.argv[2]
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    socketserver.ThreadingTCPServer.request_queue_size = 128
    with socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), Handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
