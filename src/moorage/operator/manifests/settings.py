"""What a cluster's manifests are rendered from, checked once before anything is rendered."""

from dataclasses import dataclass

from moorage.operator.first_start import NAMESPACE
from moorage.resources.names import check_name
from moorage.resources.quantities import is_quantity

PART_OF = {"app.kubernetes.io/part-of": "moorage"}  # on every object, for kubectl -l
DEFAULT_STORAGE_SIZE = "100Gi"  # OpenShift's operator asks the same of a claim it makes


class InvalidSettings(ValueError):
    """A setting no cluster could run with; the message names the option."""


@dataclass(frozen=True)
class ClusterSettings:
    image: str
    namespace: str = NAMESPACE
    replicas: int = 1
    # A Secret whose `database-url` key is the PostgreSQL URL; None: SQLite on the claim.
    database_url_secret: str | None = None
    storage_size: str = DEFAULT_STORAGE_SIZE

    def __post_init__(self) -> None:
        if not self.image or any(c.isspace() for c in self.image):
            raise InvalidSettings(f"--image {self.image!r} is not an image reference")
        if check_name(self.namespace, subdomain=False):
            raise InvalidSettings(f"--namespace {self.namespace!r} is not a DNS-1123 label")
        if self.replicas < 1:
            raise InvalidSettings(f"--replicas must be at least 1, not {self.replicas}")
        if self.database_url_secret is not None and check_name(self.database_url_secret):
            raise InvalidSettings(
                f"--database-url-secret {self.database_url_secret!r} is not a Secret name"
            )
        if self.replicas > 1 and self.database_url_secret is None:
            raise InvalidSettings(
                f"--replicas {self.replicas} needs --database-url-secret: replicas share "
                "their metadata in PostgreSQL; SQLite serves one replica"
            )
        if not is_quantity(self.storage_size):
            raise InvalidSettings(
                f"--storage-size {self.storage_size!r} is not a quantity such as 100Gi"
            )
