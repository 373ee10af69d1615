"""Running the real kubectl against a `moorage serve`, with a kubeconfig of its own."""

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support.server import RunningServer

KUBECTL = Path(sys.executable).parent / "kubectl"
TIMEOUT = 60.0


class KubectlFailed(AssertionError):
    """kubectl exited non-zero; the message carries its command line, stdout and stderr."""


def write_kubeconfig(
    path: Path, server: RunningServer, namespace: str, token: str | None = None
) -> Path:
    """A kubeconfig with the API of `server` as its one cluster (trusting its CA when it
    serves TLS), a user with a bearer token (kubeadmin's unless given another), and a
    context in `namespace`."""
    cluster = {"server": server.api_url}
    if server.api_tls:
        cluster["certificate-authority"] = str(server.ca_path)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "moorage", "cluster": cluster}],
        "users": [{"name": "moorage-user", "user": {"token": token or server.admin_token}}],
        "contexts": [
            {
                "name": "moorage",
                "context": {"cluster": "moorage", "user": "moorage-user", "namespace": namespace},
            }
        ],
        "current-context": "moorage",
    }
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass
class Kubectl:
    kubeconfig: Path
    home: Path  # kubectl's discovery cache and config directory live here, not in ~

    @property
    def env(self) -> dict[str, str]:
        return {"KUBECONFIG": str(self.kubeconfig), "HOME": str(self.home), "PATH": "/usr/bin:/bin"}

    def command(self, *args: str) -> list[str]:
        return [str(KUBECTL), "--cache-dir", str(self.home / "cache"), *args]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args),
            capture_output=True,
            text=True,
            env=self.env,
            timeout=TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            raise KubectlFailed(
                f"kubectl {' '.join(args)} exited with {result.returncode}\n"
                f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
            )
        return result

    def __call__(self, *args: str) -> str:
        return self.run(*args).stdout

    def fails(self, *args: str) -> str:
        """Run a command that must fail; returns its stderr."""
        result = self.run(*args, check=False)
        assert result.returncode != 0, result.stdout
        return result.stderr

    def watch(self, *args: str) -> "Watching":
        process = subprocess.Popen(
            self.command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        return Watching(process).start()


@dataclass
class Watching:
    """A `kubectl get -w -o json` in the background, its output parsed as it arrives."""

    process: subprocess.Popen[str]
    output: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _reader: threading.Thread | None = None

    def start(self) -> "Watching":
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.process.stdout is not None
        for chunk in iter(lambda: self.process.stdout.read(1), ""):  # type: ignore[union-attr]
            with self._lock:
                self.output += chunk

    def documents(self) -> list[dict[str, Any]]:
        """The complete JSON documents printed so far."""
        with self._lock:
            text = self.output
        decoder, found, index = json.JSONDecoder(), [], 0
        while True:
            while index < len(text) and text[index].isspace():
                index += 1
            try:
                document, index = decoder.raw_decode(text, index)
            except ValueError:
                return found
            found.append(document)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Wait until `count` documents have been printed; returns them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            documents = self.documents()
            if len(documents) >= count:
                return documents
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        errors = self.stop()
        raise AssertionError(f"wanted {count} watch events, got {self.documents()}\n{errors}")

    def stop(self) -> str:
        """End kubectl (if it still runs); returns what it wrote to stderr."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(10)
        assert self.process.stdout is not None and self.process.stderr is not None
        if self.process.stderr.closed:
            return ""
        if self._reader is not None:
            self._reader.join(10)  # kubectl has exited: its stdout ends
        errors = self.process.stderr.read()
        self.process.stderr.close()
        self.process.stdout.close()
        return errors
