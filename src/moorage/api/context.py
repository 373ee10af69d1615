"""Typed keys for what the API application carries."""

import asyncio

from aiohttp import web

from moorage.api.backends import Backend
from moorage.auth.identities import Identities
from moorage.auth.policy import StoredPolicy
from moorage.auth.ratelimit import LoginLimits
from moorage.platform.pod_logs import PodLogs
from moorage.resources.kinds import Catalogue

CATALOGUE = web.AppKey("catalogue", Catalogue)
BACKENDS = web.AppKey("backends", dict[str, Backend])
IDENTITIES = web.AppKey("identities", Identities)
POLICY = web.AppKey("policy", StoredPolicy)
LOGIN_LIMITER = web.AppKey("login_limiter", LoginLimits)
POD_LOGS = web.AppKey("pod_logs", PodLogs)
# Set when the server begins to stop: watches end so the server need not wait them out.
STOPPING = web.AppKey("stopping", asyncio.Event)
