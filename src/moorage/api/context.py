"""Typed keys for what the API application carries."""

from aiohttp import web

from moorage.api.backends import Backend
from moorage.resources.kinds import Catalogue

CATALOGUE = web.AppKey("catalogue", Catalogue)
BACKENDS = web.AppKey("backends", dict[str, Backend])
