"""A kind of the catalogue as an apiextensions.k8s.io/v1 CustomResourceDefinition."""

from moorage.resources.kinds import Kind
from moorage.resources.objects import Object
from moorage.resources.structural import structural_schema


def custom_resource_definition(kind: Kind, labels: dict[str, str]) -> Object:
    names: Object = {
        "kind": kind.kind,
        "listKind": f"{kind.kind}List",
        "plural": kind.plural,
        "singular": kind.singular,
    }
    if kind.short_names:
        names["shortNames"] = list(kind.short_names)
    version: Object = {
        "name": kind.version,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": structural_schema(kind.model)},
    }
    if "status" in kind.subresources:
        version["subresources"] = {"status": {}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": kind.qualified, "labels": labels},
        "spec": {
            "group": kind.group,
            "names": names,
            "scope": "Namespaced" if kind.namespaced else "Cluster",
            "versions": [version],
        },
    }
