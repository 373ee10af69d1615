"""How calls reach other registries: through the Config's proxy (but not to noProxy hosts),
trusting the system's CAs plus the additionalTrustedCA bundles, as OpenShift's registry
trusts the `image-registry-certificates` it gathers them into."""

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

CONNECT_SECONDS = 10.0
READ_SECONDS = 30.0


@dataclass(frozen=True)
class Proxy:
    http: str | None = None
    https: str | None = None
    no_proxy: str | None = None

    def direct_patterns(self) -> list[str] | None:
        """httpx mount patterns that go direct; None: everything does (`*`)."""
        direct = self._direct()
        if direct is None:
            return None
        patterns = []
        for bare, itself in direct:
            patterns.append(f"all://*.{bare}")
            if itself:
                patterns.append(f"all://{bare}")
        return patterns

    def for_url(self, url: str) -> str:
        """The proxy a call to `url` goes through; empty: it goes direct."""
        parts = urlsplit(url)
        proxy = (self.https if parts.scheme == "https" else self.http) or ""
        host = (parts.hostname or "").lower()
        direct = self._direct()
        if direct is None or any(
            host.endswith(f".{bare}") or (itself and host == bare) for bare, itself in direct
        ):
            return ""
        return proxy

    def _direct(self) -> list[tuple[str, bool]] | None:
        """noProxy's names: (name, whether the name itself goes direct, not only names under
        it); None: everything does (`*`). CIDR ranges are not matched here."""
        found = []
        for entry in (self.no_proxy or "").split(","):
            entry = entry.strip().lower()
            if entry == "*":
                return None
            if entry and "/" not in entry:
                found.append((entry.lstrip("."), not entry.startswith(".")))
        return found


NO_PROXY = Proxy()  # every call goes direct


@dataclass(frozen=True)
class Reach:
    proxy: Proxy = field(default_factory=Proxy)
    trusted_cas: tuple[str, ...] = ()  # PEM bundles, each the value of a host..port key

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        for bundle in self.trusted_cas:
            try:
                context.load_verify_locations(cadata=bundle)
            except (ssl.SSLError, ValueError):
                continue  # one bad bundle in the ConfigMap must not stop every other import
        return context

    def client(
        self, verify: bool, on_request: Callable[[httpx.Request], None] | None = None
    ) -> httpx.Client:
        """`on_request` sees every request, a redirect's too, before it is sent."""
        tls: ssl.SSLContext | bool = self.ssl_context() if verify else False
        mounts: dict[str, httpx.BaseTransport | None] = {}
        direct = self.proxy.direct_patterns()
        for scheme, proxy in (("http://", self.proxy.http), ("https://", self.proxy.https)):
            if proxy and direct is not None:
                mounts[scheme] = httpx.HTTPTransport(verify=tls, proxy=proxy, trust_env=False)
        for pattern in direct or []:
            mounts[pattern] = httpx.HTTPTransport(verify=tls, trust_env=False)
        return httpx.Client(
            verify=tls,
            mounts=mounts,
            trust_env=False,  # the Config says which proxy, not the server's environment
            follow_redirects=True,
            event_hooks={"request": [on_request] if on_request else []},
            timeout=httpx.Timeout(READ_SECONDS, connect=CONNECT_SECONDS),
        )
