"""Which repositories may receive pushes: decided outside the registry, asked before writing."""

from typing import Protocol


class PushPolicy(Protocol):
    def check_push(self, repository: str) -> None:
        """Raise a RegistryError (NAME_INVALID, NAME_UNKNOWN, DENIED) to refuse."""
        ...


class AnyRepository:
    """Every well-formed name may be pushed to: the registry on its own, as in tests of it."""

    def check_push(self, repository: str) -> None:
        return None
