"""/metrics on the API: the operator's own gauges, in Prometheus' text format.

The registry's metrics are on its own port; these say how the operator sees it, and go
on while the registry is Removed (when no replica answers): the `ImageRegistryRemoved`
alert in deploy/prometheus/rules.yaml reads `imageregistry_operator_management_state`.
RBAC decides who reads them, as for any non-resource URL (cluster-admin, or a role
granting get on nonResourceURLs /metrics).
"""

import asyncio

from aiohttp import web

from moorage.api.context import BACKENDS
from moorage.api.status import ApiError
from moorage.resources.objects import Object

PATH = "/metrics"
STATES = ("Managed", "Unmanaged", "Removed", "Force")
CONDITIONS = ("Available", "Progressing", "Degraded", "Removed")
CONFIGS = "configs.imageregistry.operator.openshift.io"


async def scrape(request: web.Request) -> web.Response:
    try:
        config = await asyncio.to_thread(request.app[BACKENDS][CONFIGS].get, "", "cluster")
    except ApiError:
        config = {}  # not made yet: every gauge 0
    return web.Response(text=render(config), content_type="text/plain", charset="utf-8")


def render(config: Object) -> str:
    state = (config.get("spec") or {}).get("managementState")
    conditions = {
        c.get("type"): c.get("status") for c in (config.get("status") or {}).get("conditions", [])
    }
    lines = [
        "# HELP imageregistry_operator_management_state The registry Config's "
        "spec.managementState: 1 for the state it is in.",
        "# TYPE imageregistry_operator_management_state gauge",
        *(
            f'imageregistry_operator_management_state{{state="{s}"}} {int(s == state)}'
            for s in STATES
        ),
        "# HELP imageregistry_operator_condition The Config's status conditions: 1 for True.",
        "# TYPE imageregistry_operator_condition gauge",
        *(
            f'imageregistry_operator_condition{{type="{c}"}} {int(conditions.get(c) == "True")}'
            for c in CONDITIONS
        ),
    ]
    return "\n".join(lines) + "\n"
