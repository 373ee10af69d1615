"""Kubernetes `Status` objects: every API error is one, with its reason and code."""

import json
from typing import Any

from aiohttp import web

CODES = {
    "BadRequest": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "MethodNotAllowed": 405,
    "NotAcceptable": 406,
    "AlreadyExists": 409,
    "Conflict": 409,
    "Expired": 410,
    "Gone": 410,
    "RequestEntityTooLarge": 413,
    "UnsupportedMediaType": 415,
    "Invalid": 422,
    "TooManyRequests": 429,
    "InternalError": 500,
    "ServiceUnavailable": 503,
}


class ApiError(Exception):
    def __init__(
        self,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.reason, self.message, self.details = reason, message, details

    def response(self) -> web.Response:
        return status_response(self.reason, self.message, self.details)


def status_object(
    reason: str, message: str, details: dict[str, Any] | None = None, code: int | None = None
) -> dict:
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code or CODES.get(reason, 500),
    }
    if details:
        status["details"] = details
    return status


def status_response(
    reason: str, message: str, details: dict[str, Any] | None = None, code: int | None = None
) -> web.Response:
    body = status_object(reason, message, details, code)
    return web.Response(
        status=body["code"], body=json.dumps(body).encode(), content_type="application/json"
    )


def success() -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
