"""Where another registry may send this one: never further inside the network than itself.

A registry's redirect or token realm names a host of its choosing. A hostile one could name
the cloud's metadata service (169.254.169.254) or a service on the network the registry runs
in, and the registry would call it from where it stands and, pulling through, stream the
answer to whoever asked (server-side request forgery). So a request to any host other than
the registry's own goes only to addresses no more internal than the registry's: link-local
ones never; loopback ones only when the registry is on loopback; private ones only when
the registry is private or loopback. Names are resolved here and again when connecting, so
a name that changes its answer in between (DNS rebinding) is not covered.
"""

import ipaddress
import socket

PUBLIC, PRIVATE, LOOPBACK, NEVER = 0, 1, 2, 3


def inwardness(host: str) -> int:
    """How far inside the network `host` (a name or address, without port) reaches: the
    most internal of its addresses; NEVER for link-local, unspecified or multicast ones."""
    try:
        found = socket.getaddrinfo(host.strip("[]"), None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return PUBLIC  # resolves to nothing: the connection fails on its own
    return max((_class_of(str(info[4][0])) for info in found), default=PUBLIC)


def _class_of(address: str) -> int:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local or ip.is_unspecified or ip.is_multicast:
        return NEVER
    if ip.is_loopback:
        return LOOPBACK
    return PRIVATE if ip.is_private else PUBLIC
