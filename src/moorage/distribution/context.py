"""Typed keys for what the application carries."""

from aiohttp import web

from moorage.distribution.callers import Guard
from moorage.distribution.sending import Senders
from moorage.registry.service import Registry

REGISTRY = web.AppKey("registry", Registry)
GUARD = web.AppKey("guard", Guard)
SENDERS = web.AppKey("senders", Senders)
REDIRECT = web.AppKey("redirect", bool)  # blob GETs may go to the storage's signed URLs
