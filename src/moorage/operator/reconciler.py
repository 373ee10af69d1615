"""The operator's loop: read the Config, move the replicas toward it, report how it went.

`tick()` runs each time the supervisor comes round (a few times a second). It
never raises for a bad Config or a database outage: a Config that cannot work
is reported Degraded and the registry keeps its last good configuration; an
outage skips the pass.
"""

import logging
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moorage import __version__
from moorage.observability import logs
from moorage.observability.logs import LEVELS
from moorage.operator import azure_storage, gcs_storage
from moorage.operator.blob_sample import MissingBlobs
from moorage.operator.claims import DEFAULT_CLAIM, claim_ref, default_claim, provisioned, volume_of
from moorage.operator.cloud_checks import (
    CREDENTIALS,
    NAMED_BY,
    CheckedStorage,
    StorageChecks,
    secret_data,
)
from moorage.operator.cloud_checks import with_defaults as cloud_defaults
from moorage.operator.cloudfront import cloud_front, private_key_ref
from moorage.operator.deployment import DeploymentView
from moorage.operator.desired import Desired, claim_name, desired
from moorage.operator.first_start import CONFIG, NAMESPACE, seed
from moorage.operator.image_config import report_hostnames
from moorage.operator.pods import PodViews
from moorage.operator.routes import Routes
from moorage.operator.s3_storage import (
    S3Cloud,
    location,
    trusted_ca_file,
    trusted_ca_ref,
    with_defaults,
)
from moorage.operator.status import Observed, conditions, render
from moorage.platform.local import LocalReplicas, Wanted
from moorage.resources.catalogue import catalogue as kinds
from moorage.resources.objects import Object
from moorage.resources.operator import GROUP, storage_type
from moorage.storage import CloudLocation
from moorage.store.errors import Unavailable
from moorage.store.resources import Conflict, Ref, ResourceStore, Transaction
from moorage.upstream.reach import Proxy

log = logging.getLogger("moorage.operator")

CloudLocating = Callable[[Object, dict[str, str], Proxy], tuple[CloudLocation, str | None]]
CLOUD_LOCATIONS: dict[str, CloudLocating]
CLOUD_LOCATIONS = {"azure": azure_storage.location, "gcs": gcs_storage.location}
CLUSTER_OPERATOR = Ref("config.openshift.io", "clusteroperators", "", "image-registry")


@dataclass
class Operator:
    store: ResourceStore
    replicas: LocalReplicas
    first_spec: Object  # what a missing Config is made again with
    data_root: Path  # where the volumes' directories are
    claim_capacity: str  # of the claim the operator makes for a blank spec.storage.pvc.claim
    routes: Routes
    internal_hostname: str = ""  # the service's host:port, for image.config status
    blobs: MissingBlobs | None = None  # checks the storage in use holds the recorded blobs
    pods: PodViews = field(init=False)
    deployment: DeploymentView = field(init=False)
    clouds: dict[str, StorageChecks[Any]] = field(init=False)  # by storage type
    _observed_generation: int = 0
    _last_problems: list[str] = field(default_factory=list)
    _route_problems: list[str] = field(default_factory=list)
    _missing_blobs: str | None = None

    def __post_init__(self) -> None:
        self.pods = PodViews(self.store)
        self.deployment = DeploymentView(self.store)
        self.clouds = {
            "s3": StorageChecks(S3Cloud(log)),
            "azure": StorageChecks(azure_storage.AzureCloud(log)),
            "gcs": StorageChecks(gcs_storage.GcsCloud(log)),
        }

    def tick(self) -> None:
        try:
            self._reconcile()
        except Unavailable:
            pass  # the database is away: the registry runs on as it was
        except Conflict:
            pass  # someone changed the Config meanwhile: the next pass reads it again
        self.replicas.tick()

    def stop(self) -> None:
        self.replicas.stop_all()

    def _reconcile(self) -> None:
        with self.store.reading() as tx:
            config = tx.get(CONFIG)
        if config is None:
            seed(self.store, self.first_spec)
            return
        spec = config["spec"]
        if not spec.get("httpSecret"):
            self._generate_secret(config)
            return
        if self._complete_storage(config):
            return
        claim = self._claim(spec)
        cloud = self._cloud(spec)
        wanted = desired(spec, claim, cloud)
        self._apply(wanted, config["metadata"]["generation"])
        self._check_blobs(wanted)
        self._expose(wanted.management_state, spec)
        if wanted.management_state == "Removed" and claim is not None:
            self._tear_down(spec, claim)
        self._report(config, wanted, cloud)

    def _check_blobs(self, wanted: Desired) -> None:
        """Whether the storage the replicas are given holds the blobs the records name."""
        applied = wanted.management_state == "Managed" and not wanted.problems
        if self.blobs is not None and applied:
            self._missing_blobs = self.blobs.message(wanted.settings)
        elif wanted.management_state == "Removed":
            self._missing_blobs = None

    def _expose(self, management_state: str, spec: Object) -> None:
        """The routes as the Config asks: none while Removed, left as they are Unmanaged."""
        if management_state == "Unmanaged":
            return
        problems = self.routes.reconcile(None if management_state == "Removed" else spec)
        if problems and problems != self._route_problems:
            log.warning("routes not served: " + "; ".join(problems))
        self._route_problems = problems

    def _claim(self, spec: Object) -> Object | None:
        """The claim spec.storage.pvc names; for a blank one, made when missing."""
        name = claim_name(spec)
        if name is None:
            return None
        with self.store.reading() as tx:
            claim = tx.get(claim_ref(name))
        # A blank claim asks for the default one; Managed storage asks the operator to
        # provision it again after a teardown.
        ours = not spec["storage"]["pvc"].get("claim") or (
            name == DEFAULT_CLAIM and spec["storage"].get("managementState") == "Managed"
        )
        if claim is None and ours and spec["managementState"] == "Managed":
            made = kinds().find("", "v1", "persistentvolumeclaims")
            assert made is not None
            body = made.validate(default_claim(self.claim_capacity))
            with self.store.transaction() as tx:
                claim = tx.create(claim_ref(name), body)
            logs.event(log, f"created persistentvolumeclaim {NAMESPACE}/{name}")
        return claim

    def _complete_storage(self, config: Object) -> bool:
        """Fill in what cloud storage leaves to the operator (managementState, a bucket or
        container name); True when the Config was changed (the next pass reads it again)."""
        storage = config["spec"].get("storage") or {}
        chosen = storage_type(storage)
        if chosen not in NAMED_BY:
            return False
        completed = with_defaults(storage) if chosen == "s3" else cloud_defaults(storage, chosen)
        if completed is None:
            return False
        config["spec"]["storage"] = completed
        with self.store.transaction() as tx:
            tx.update(CONFIG, config, config["metadata"]["resourceVersion"])
        name = NAMED_BY[chosen]
        state = completed["managementState"]
        logs.event(
            log, f"spec.storage.{chosen}: {name} {completed[chosen][name]}, managementState {state}"
        )
        return True

    def _cloud(self, spec: Object) -> CheckedStorage | None:
        """The bucket or container spec.storage.s3, azure or gcs names, with the Secret's
        credentials, checked (with Managed storage, created when missing and secured; with
        Removed, deleted if the operator created it); None for other storage."""
        storage = spec.get("storage") or {}
        chosen = storage_type(storage)
        if chosen is None or chosen not in self.clouds:
            return None
        proxy = spec.get("proxy") or {}
        reach = Proxy(proxy.get("http"), proxy.get("https"), proxy.get("noProxy"))
        if chosen == "s3":
            found, problem = self._s3(storage, reach)
        else:
            found, problem = self._location(chosen, storage, reach)
        if problem is not None:
            return CheckedStorage(found, problem)
        managed = storage.get("managementState") == "Managed"
        checks = self.clouds[chosen]
        if spec["managementState"] == "Removed":
            # Storage goes once no replica uses it; nothing is made or changed meanwhile.
            gone = managed and not self.replicas.replicas
            return CheckedStorage(found, None, (checks.remove(found),) if gone else ())
        return checks.check(found, managed)

    def _location(
        self, chosen: str, storage: Object, reach: Proxy
    ) -> tuple[CloudLocation, str | None]:
        """The container or bucket spec.storage.azure or gcs names, with the Secret's
        credentials, reached through the Config's proxy, and what is wrong with them, if
        anything."""
        with self.store.reading() as tx:
            credentials, problem = secret_data(tx.get(CREDENTIALS))
        found, missing = CLOUD_LOCATIONS[chosen](storage[chosen], credentials, reach)
        return found, problem or missing

    def _s3(self, storage: Object, reach: Proxy) -> tuple[CloudLocation, str | None]:
        """The bucket spec.storage.s3 names, with the Secret's credentials and the CA bundle
        its trustedCA names, reached through the Config's `proxy`, its blobs served from
        the CloudFront distribution its cloudFront names, and what is wrong with them, if
        anything."""
        s3 = storage["s3"]
        ca_ref, key_ref = trusted_ca_ref(s3), private_key_ref(s3)
        with self.store.reading() as tx:
            secret = tx.get(CREDENTIALS)
            config_map = tx.get(ca_ref) if ca_ref is not None else None
            key_secret = tx.get(key_ref) if key_ref is not None else None
        trusted, problem = (None, None)
        if ca_ref is not None:
            trusted, problem = trusted_ca_file(ca_ref, config_map, self.data_root / "tls")
        front, front_problem = cloud_front(s3, key_secret)
        bucket, secret_problem = location(s3, secret, trusted, reach, front)
        return bucket, problem or front_problem or secret_problem

    def _tear_down(self, spec: Object, claim: Object) -> None:
        """Removed, with Managed storage: the storage the operator provisioned goes, once no
        replica uses it."""
        if spec["storage"].get("managementState") != "Managed" or not provisioned(claim):
            return
        if self.replicas.replicas:
            return
        name = claim["metadata"]["name"]
        shutil.rmtree(self.data_root / volume_of(name), ignore_errors=True)
        with self.store.transaction() as tx:
            tx.delete(claim_ref(name))
        logs.event(
            log,
            f"removed the storage the operator provisioned: persistentvolumeclaim "
            f"{NAMESPACE}/{name} and its volume",
        )

    def _generate_secret(self, config: Object) -> None:
        config["spec"]["httpSecret"] = secrets.token_hex(64)
        with self.store.transaction() as tx:
            tx.update(CONFIG, config, config["metadata"]["resourceVersion"])
        logs.event(log, "generated spec.httpSecret")

    def _apply(self, wanted: Desired, generation: int) -> None:
        self._observed_generation = generation
        self._log_at(wanted.operator_log_level)
        if wanted.problems != self._last_problems and wanted.problems:
            log.warning("the Config cannot be applied: " + "; ".join(wanted.problems))
        self._last_problems = wanted.problems
        if wanted.management_state == "Unmanaged":
            return
        if wanted.management_state == "Removed":
            self.replicas.want(None)
            return
        if wanted.problems:
            return
        settings = wanted.settings
        new = Wanted(settings.revision, settings, wanted.replicas, wanted.strategy)
        if new != self.replicas.wanted:
            log.debug(
                f"applying generation {generation}: revision {settings.revision[:10]}, "
                f"{wanted.replicas} replicas, {wanted.strategy}"
            )
        self.replicas.want(new)

    def _log_at(self, level_name: str) -> None:
        """spec.operatorLogLevel: how much the operator and the platform say."""
        level = LEVELS[level_name]
        for name in ("moorage.operator", "moorage.platform"):
            logging.getLogger(name).setLevel(level)

    def _report(self, config: Object, wanted: Desired, cloud: CheckedStorage | None) -> None:
        running = self.replicas
        removed = wanted.management_state == "Removed"
        seen = Observed(
            management_state=wanted.management_state,
            wanted=running.wanted.replicas if running.wanted else 0,
            ready=running.ready_count,
            settled=running.settled,
            problems=wanted.problems,
            crashing=[r.name for r in running.replicas if r.restarts > 1 and not r.is_ready],
            routes=self._route_problems,
            storage=cloud.conditions if cloud is not None else (),
            missing_blobs=self._missing_blobs,
        )
        new = conditions(seen)
        status = config.get("status") or {}
        rendered = render(new, status.get("conditions") or [])
        wanted_status = {
            **status,
            "observedGeneration": self._observed_generation,
            "readyReplicas": seen.ready,
            "storage": {} if removed else wanted.storage,
            "storageManaged": _managed_bucket(config["spec"]) and not removed,
            "conditions": rendered,
        }
        with self.store.transaction() as tx:
            if wanted_status != status:
                version = config["metadata"]["resourceVersion"]
                tx.update(CONFIG, {**config, "status": wanted_status}, version)
            self._report_cluster_operator(tx, rendered)
            hosts = [] if removed else self.routes.hosts(config["spec"])
            report_hostnames(tx, self.internal_hostname, hosts)
        self.pods.show(running.replicas)
        self.deployment.show(running)

    def _report_cluster_operator(self, tx: Transaction, rendered: list[Object]) -> None:
        current = tx.get(CLUSTER_OPERATOR)
        summary = [c for c in rendered if c["type"] in ("Available", "Progressing", "Degraded")]
        status = {
            "conditions": summary,
            "versions": [{"name": "operator", "version": __version__}],
            "relatedObjects": [
                {"group": GROUP, "resource": "configs", "name": "cluster"},
                {"group": "", "resource": "namespaces", "name": NAMESPACE},
            ],
        }
        if current is None:
            obj = {
                "apiVersion": "config.openshift.io/v1",
                "kind": "ClusterOperator",
                "metadata": {"name": CLUSTER_OPERATOR.name},
                "spec": {},
                "status": status,
            }
            tx.create(CLUSTER_OPERATOR, obj)
        elif current.get("status") != status:
            tx.update(CLUSTER_OPERATOR, {**current, "status": status})


def _managed_bucket(spec: Object) -> bool:
    """Whether the registry's storage is a bucket or container the operator manages."""
    storage = spec.get("storage") or {}
    return storage_type(storage) in NAMED_BY and storage.get("managementState") == "Managed"
