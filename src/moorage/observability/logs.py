"""Logs in the registry's logfmt shape: `time="..." level=info msg="..." instance.id=...`.

The OpenShift registry's log levels map onto Python's: Normal shows info,
Debug shows debug, Trace and TraceAll show progressively more.
"""

import logging
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

LEVELS = {"Normal": logging.INFO, "Debug": logging.DEBUG, "Trace": 5, "TraceAll": 1}
_NAMES = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "fatal",
}


def without_credentials(url: str) -> str:
    """`url` as it may be shown (logged): a proxy's user and password replaced."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()


def _quote(value: object) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\n\\'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class LogfmtFormatter(logging.Formatter):
    def __init__(self, instance_id: str) -> None:
        super().__init__()
        self._instance = instance_id

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        level = _NAMES.get(record.levelno, "trace" if record.levelno < logging.DEBUG else "info")
        parts = [
            f'time="{stamp}.{int(record.msecs):03d}Z"',
            f"level={level}",
            f"msg={_quote(record.getMessage())}",
        ]
        fields: dict[str, Any] = getattr(record, "fields", {})
        parts.extend(f"{key}={_quote(value)}" for key, value in fields.items())
        if record.exc_info:
            parts.append(f"error={_quote(self.formatException(record.exc_info))}")
        parts.append(f"instance.id={self._instance}")
        return " ".join(parts)


def configure(level_name: str, instance_id: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter(instance_id))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LEVELS[level_name])
    # Alembic narrates each migration step; our own line says the schema is current.
    logging.getLogger("alembic").setLevel(max(LEVELS[level_name], logging.WARNING))


def event(logger: logging.Logger, message: str, **fields: object) -> None:
    logger.info(message, extra={"fields": fields})


class RequestLogger(AbstractAccessLogger):
    """One line per request; never the query string's secrets or any header."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        fields = {
            "http.request.method": request.method,
            "http.request.uri": request.path,
            "http.request.remoteaddr": request.remote,
            "http.request.useragent": request.headers.get("User-Agent", ""),
            "http.response.status": response.status,
            "http.response.written": response.content_length or 0,
            "http.response.duration": f"{time * 1000:.3f}ms",
        }
        self.logger.info("response completed", extra={"fields": fields})
