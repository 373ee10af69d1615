"""Table columns per kind, as `oc get` prints them; NAME and AGE for any other kind.

Keyed by (group, plural), so a kind's columns apply as soon as the server serves it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from moorage.cli.ages import age, ago, human_duration, parse_time
from moorage.resources.objects import Object

DISPLAY_NAME = "openshift.io/display-name"
TAGS_SHOWN = 3


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Object], str]
    wide_only: bool = False


def _meta(obj: Object) -> Object:
    return obj.get("metadata") or {}


def name(obj: Object) -> str:
    return str(_meta(obj).get("name", ""))


def created(obj: Object) -> str:
    return age(_meta(obj).get("creationTimestamp"))


NAME = Column("NAME", name)
AGE = Column("AGE", created)
DEFAULT = [NAME, AGE]


def _phase(obj: Object) -> str:
    return str((obj.get("status") or {}).get("phase", ""))


def _data_count(obj: Object) -> str:
    return str(len(obj.get("data") or {}) + len(obj.get("binaryData") or {}))


def _event_object(obj: Object) -> str:
    involved = obj.get("involvedObject") or {}
    return f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"


def _event_seen(obj: Object) -> str:
    return age(
        obj.get("lastTimestamp") or obj.get("eventTime") or _meta(obj).get("creationTimestamp")
    )


def _tag_updated(tag: Object) -> str:
    items = tag.get("items") or [{}]
    return str(items[0].get("created") or "")


def _stream_tags(obj: Object) -> str:
    tags = sorted((obj.get("status") or {}).get("tags") or [], key=_tag_updated, reverse=True)
    names = [str(t.get("tag", "")) for t in tags]
    shown = ",".join(names[:TAGS_SHOWN])
    return shown + (f" + {len(names) - TAGS_SHOWN} more..." if len(names) > TAGS_SHOWN else "")


def _stream_updated(obj: Object) -> str:
    stamps = [_tag_updated(t) for t in (obj.get("status") or {}).get("tags") or []]
    return ago(max((s for s in stamps if s), default=None))


def _stream_repository(obj: Object) -> str:
    status = obj.get("status") or {}
    return str(
        status.get("publicDockerImageRepository") or status.get("dockerImageRepository") or ""
    )


def _istag_reference(obj: Object) -> str:
    return str((obj.get("image") or {}).get("dockerImageReference", ""))


def _istag_image(obj: Object) -> str:
    return str(((obj.get("image") or {}).get("metadata") or {}).get("name", ""))


def _role(obj: Object) -> str:
    ref = obj.get("roleRef") or {}
    return f"{ref.get('kind', '')}/{ref.get('name', '')}"


def _subjects(kind: str) -> Column:
    def show(obj: Object) -> str:
        found = [s for s in obj.get("subjects") or () if s.get("kind") == kind]
        if kind == "ServiceAccount":
            return ", ".join(f"{s.get('namespace', '')}/{s.get('name', '')}" for s in found)
        return ", ".join(str(s.get("name", "")) for s in found)

    header = "SERVICEACCOUNTS" if kind == "ServiceAccount" else f"{kind.upper()}S"
    return Column(header, show, wide_only=True)


def _containers(obj: Object) -> list[Object]:
    return (obj.get("status") or {}).get("containerStatuses") or []


def _pod_ready(obj: Object) -> str:
    containers = _containers(obj)
    return f"{sum(1 for c in containers if c.get('ready'))}/{len(containers)}"


def _pod_status(obj: Object) -> str:
    status = obj.get("status") or {}
    return str(status.get("reason") or status.get("phase", ""))


def _restarts(obj: Object) -> str:
    return str(sum(int(c.get("restartCount", 0)) for c in _containers(obj)))


def _status_count(obj: Object, field: str) -> int:
    return int((obj.get("status") or {}).get(field) or 0)


def _deployment_ready(obj: Object) -> str:
    wanted = int((obj.get("spec") or {}).get("replicas") or 0)
    return f"{_status_count(obj, 'readyReplicas')}/{wanted}"


def _completions(obj: Object) -> str:
    wanted = (obj.get("spec") or {}).get("completions", 1)
    return f"{_status_count(obj, 'succeeded')}/{wanted}"


def _job_duration(obj: Object) -> str:
    """From the start to the completion, or to now while it runs (kubectl's DURATION)."""
    status = obj.get("status") or {}
    started = parse_time(status.get("startTime"))
    if started is None:
        return ""
    ended = parse_time(status.get("completionTime")) or datetime.now(UTC)
    return human_duration((ended - started).total_seconds())


def _count(field: str) -> Callable[[Object], str]:
    return lambda obj: str(_status_count(obj, field))


def _condition(obj: Object, kind: str) -> Object:
    found = [c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind]
    return found[0] if found else {}


def _condition_status(kind: str) -> Column:
    return Column(kind.upper(), lambda o: str(_condition(o, kind).get("status", "")))


def _operator_version(obj: Object) -> str:
    versions = (obj.get("status") or {}).get("versions") or []
    return next((str(v.get("version", "")) for v in versions if v.get("name") == "operator"), "")


def _operator_since(obj: Object) -> str:
    times = [
        _condition(obj, kind).get("lastTransitionTime") or ""
        for kind in ("Available", "Progressing", "Degraded")
    ]
    return age(max(times)) if any(times) else ""


def _operator_message(obj: Object) -> str:
    for kind in ("Degraded", "Progressing"):
        condition = _condition(obj, kind)
        if condition.get("status") == "True":
            return str(condition.get("message", ""))
    return ""


ACCESS_MODES = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}


def _claim_modes(obj: Object) -> str:
    modes = (obj.get("status") or {}).get("accessModes") or []
    return ",".join(ACCESS_MODES.get(m, m) for m in modes)


def _claim_capacity(obj: Object) -> str:
    return str(((obj.get("status") or {}).get("capacity") or {}).get("storage", ""))


def _admitted(ingress: Object) -> Object:
    found = [c for c in ingress.get("conditions") or [] if c.get("type") == "Admitted"]
    return found[0] if found else {}


def _route_host(obj: Object) -> str:
    """The host, or why no ingress serves it, as oc shows it."""
    host = str((obj.get("spec") or {}).get("host", ""))
    ingresses = (obj.get("status") or {}).get("ingress")
    if ingresses is None:
        return host
    admitted = [i for i in ingresses if _admitted(i).get("status") == "True"]
    refused = [_admitted(i) for i in ingresses if _admitted(i).get("status") == "False"]
    if admitted:
        return host + (f" ... {len(refused)} rejected" if refused else "")
    return str(refused[0].get("reason", "")) if refused else "Pending"


def _route_services(obj: Object) -> str:
    spec = obj.get("spec") or {}
    return ",".join(
        str(t.get("name", ""))
        for t in [spec.get("to") or {}, *(spec.get("alternateBackends") or [])]
    )


def _route_port(obj: Object) -> str:
    port = (obj.get("spec") or {}).get("port") or {}
    return str(port.get("targetPort", "<all>"))


def _route_termination(obj: Object) -> str:
    tls = (obj.get("spec") or {}).get("tls") or {}
    policy = tls.get("insecureEdgeTerminationPolicy")
    return str(tls.get("termination", "")) + (f"/{policy}" if policy else "")


BINDING = [
    NAME,
    Column("ROLE", _role),
    AGE,
    *(_subjects(k) for k in ("User", "Group", "ServiceAccount")),
]


def _quota_column(limits: bool) -> Callable[[Object], str]:
    """kubectl's REQUEST and LIMIT: `resource: used/hard`, limits.* in the second."""

    def shown(obj: Object) -> str:
        status = obj.get("status") or {}
        hard, used = status.get("hard") or {}, status.get("used") or {}
        pairs = [
            f"{name}: {used.get(name, '0')}/{hard[name]}"
            for name in sorted(hard)
            if name.startswith("limits.") == limits
        ]
        return ", ".join(pairs)

    return shown


COLUMNS: dict[tuple[str, str], list[Column]] = {
    ("rbac.authorization.k8s.io", "rolebindings"): BINDING,
    ("rbac.authorization.k8s.io", "clusterrolebindings"): BINDING,
    ("", "namespaces"): [NAME, Column("STATUS", _phase), AGE],
    ("project.openshift.io", "projects"): [
        NAME,
        Column(
            "DISPLAY NAME", lambda o: str((_meta(o).get("annotations") or {}).get(DISPLAY_NAME, ""))
        ),
        Column("STATUS", _phase),
    ],
    ("", "secrets"): [
        NAME,
        Column("TYPE", lambda o: str(o.get("type", ""))),
        Column("DATA", _data_count),
        AGE,
    ],
    ("", "configmaps"): [NAME, Column("DATA", _data_count), AGE],
    ("", "events"): [
        Column("LAST SEEN", _event_seen),
        Column("TYPE", lambda o: str(o.get("type", ""))),
        Column("REASON", lambda o: str(o.get("reason", ""))),
        Column("OBJECT", _event_object),
        Column("MESSAGE", lambda o: str(o.get("message", ""))),
    ],
    ("image.openshift.io", "imagestreams"): [
        NAME,
        Column("IMAGE REPOSITORY", _stream_repository),
        Column("TAGS", _stream_tags),
        Column("UPDATED", _stream_updated),
    ],
    ("image.openshift.io", "imagestreamtags"): [
        NAME,
        Column("IMAGE REFERENCE", _istag_reference),
        Column("UPDATED", lambda o: ago(_meta(o).get("creationTimestamp"))),
        Column("IMAGENAME", _istag_image, wide_only=True),
    ],
    ("", "pods"): [
        NAME,
        Column("READY", _pod_ready),
        Column("STATUS", _pod_status),
        Column("RESTARTS", _restarts),
        AGE,
    ],
    ("apps", "deployments"): [
        NAME,
        Column("READY", _deployment_ready),
        Column("UP-TO-DATE", _count("updatedReplicas")),
        Column("AVAILABLE", _count("availableReplicas")),
        AGE,
    ],
    ("batch", "jobs"): [
        NAME,
        Column("COMPLETIONS", _completions),
        Column("DURATION", _job_duration),
        AGE,
    ],
    ("", "persistentvolumeclaims"): [
        NAME,
        Column("STATUS", _phase),
        Column("VOLUME", lambda o: str((o.get("spec") or {}).get("volumeName", ""))),
        Column("CAPACITY", _claim_capacity),
        Column("ACCESS MODES", _claim_modes),
        Column("STORAGECLASS", lambda o: str((o.get("spec") or {}).get("storageClassName", ""))),
        AGE,
    ],
    ("config.openshift.io", "clusteroperators"): [
        NAME,
        Column("VERSION", _operator_version),
        *(_condition_status(kind) for kind in ("Available", "Progressing", "Degraded")),
        Column("SINCE", _operator_since),
        Column("MESSAGE", _operator_message),
    ],
    ("route.openshift.io", "routes"): [
        NAME,
        Column("HOST/PORT", _route_host),
        Column("PATH", lambda o: str((o.get("spec") or {}).get("path", ""))),
        Column("SERVICES", _route_services),
        Column("PORT", _route_port),
        Column("TERMINATION", _route_termination),
        Column("WILDCARD", lambda o: str((o.get("spec") or {}).get("wildcardPolicy", "None"))),
    ],
    ("", "resourcequotas"): [
        NAME,
        AGE,
        Column("REQUEST", _quota_column(limits=False)),
        Column("LIMIT", _quota_column(limits=True)),
    ],
    ("image.openshift.io", "deletedimagestreamtags"): [
        NAME,
        Column("IMAGE", lambda o: str(o.get("image", ""))),
        Column("DELETED", lambda o: ago(o.get("deleted"))),
        Column("RESTORABLE UNTIL", lambda o: str(o.get("restorableUntil", ""))),
    ],
    ("image.openshift.io", "images"): [
        NAME,
        Column("IMAGE REFERENCE", lambda o: str(o.get("dockerImageReference", ""))),
    ],
}


def columns_for(group: str, plural: str, wide: bool = False) -> list[Column]:
    chosen = COLUMNS.get((group, plural), DEFAULT)
    return [c for c in chosen if wide or not c.wide_only]


def labels_column() -> Column:
    def show(obj: Object) -> str:
        labels = _meta(obj).get("labels") or {}
        return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"

    return Column("LABELS", show)
