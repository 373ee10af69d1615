"""The one exception every command raises for a failure the user should read."""


class CliError(Exception):
    """A failure to report as one `error: ...` line; `code` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(" ".join(str(message).split()))
        self.code = code


def report(error: Exception) -> None:
    """Print one failure and go on (for commands that act on several objects)."""
    import sys

    print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
