"""What an import into a project reads before going out, in one reading of the store: the
project's pull secrets (its own only: nothing crosses projects), the cluster's import rules,
the additional trusted CAs, and the registry Config's proxy; and when it must be done by."""

from dataclasses import dataclass

from moorage.imagestreams.import_rules import ImportRules
from moorage.resources import config, operator
from moorage.resources.objects import Object
from moorage.store.resources import Ref, Transaction
from moorage.upstream.allowance import Allowance
from moorage.upstream.credentials import DOCKERCFG, DOCKERCONFIGJSON
from moorage.upstream.reach import Proxy, Reach

IMAGE_CONFIG = Ref(config.GROUP, "images", "", config.IMAGE_CONFIG)
REGISTRY_CONFIG = Ref(operator.GROUP, "configs", "", operator.SINGLETON)
TRUSTED_CA_NAMESPACE = "openshift-config"
# However many images one import asks for, and however their registries answer, it holds
# its thread (imports.AT_ONCE of them run at a time) and memory no longer and no more than
# about this: fifty tags of ordinary images read a few MiB.
IMPORT_SECONDS = 300.0
IMPORT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ImportSettings:
    secrets: list[Object]
    rules: ImportRules
    reach: Reach
    allowance: Allowance  # the import's, all its images' together


def read_settings(tx: Transaction, namespace: str) -> ImportSettings:
    secrets = [
        s
        for s in tx.list("", "secrets", namespace).items
        if s.get("type") in (DOCKERCONFIGJSON, DOCKERCFG)
    ]
    image_spec = (tx.get(IMAGE_CONFIG) or {}).get("spec") or {}
    proxy = ((tx.get(REGISTRY_CONFIG) or {}).get("spec") or {}).get("proxy") or {}
    reach = Reach(
        Proxy(proxy.get("http"), proxy.get("https"), proxy.get("noProxy")),
        _trusted_cas(tx, image_spec),
    )
    allowance = Allowance(IMPORT_SECONDS, IMPORT_BYTES)
    return ImportSettings(secrets, ImportRules.from_spec(image_spec), reach, allowance)


def _trusted_cas(tx: Transaction, image_spec: Object) -> tuple[str, ...]:
    """Every bundle of the ConfigMap spec.additionalTrustedCA names (keys `host..port`)."""
    name = (image_spec.get("additionalTrustedCA") or {}).get("name")
    if not name:
        return ()
    found = tx.get(Ref("", "configmaps", TRUSTED_CA_NAMESPACE, name)) or {}
    return tuple(v for _, v in sorted((found.get("data") or {}).items()) if isinstance(v, str))
