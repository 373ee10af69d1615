"""Every manifest, in the order `kubectl apply` needs them (definitions before the resources
they define, the namespace before what lives in it), each with a file name that keeps that
order in a directory."""

from moorage.operator.manifests import access, custom_resources, workload
from moorage.operator.manifests.settings import ClusterSettings
from moorage.resources.objects import Object


def documents(settings: ClusterSettings) -> list[Object]:
    return [
        *custom_resources.definitions(),
        workload.namespace(settings),
        workload.service_account(settings),
        *access.registry_cluster_roles(),
        access.registry_binding(settings),
        workload.claim(settings),
        workload.service(settings),
        workload.deployment(settings),
        custom_resources.registry_config(settings),
        custom_resources.cluster_image_pruner(),
    ]


def file_name(position: int, document: Object) -> str:
    """`03-clusterrole-system-image-puller.yaml`: a colon is no friend of file names."""
    name = document["metadata"]["name"].replace(":", "-")
    return f"{position:02d}-{document['kind'].lower()}-{name}.yaml"
