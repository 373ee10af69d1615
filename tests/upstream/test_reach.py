"""Which calls go through the Config's proxy: by scheme, unless noProxy names the host."""

import pytest

from moorage.upstream.reach import Proxy

PROXY = Proxy("http://proxy:3128", "http://tls-proxy:3128", ".corp.example, s3.local, 10.0.0.0/8")


@pytest.mark.parametrize(
    ("url", "through"),
    [
        ("http://minio.example.org:9000", "http://proxy:3128"),
        ("https://s3.us-east-1.amazonaws.com", "http://tls-proxy:3128"),
        ("https://ceph.corp.example", ""),  # under a .name
        ("https://corp.example", "http://tls-proxy:3128"),  # .name: only names under it
        ("http://s3.local:9000", ""),  # the name itself
        ("http://a.s3.local", ""),  # and names under it
        ("http://10.1.2.3", "http://proxy:3128"),  # CIDR ranges are not matched
    ],
)
def test_a_call_goes_through_the_proxy_for_its_scheme_unless_no_proxy_names_it(
    url: str, through: str
) -> None:
    assert PROXY.for_url(url) == through


def test_a_star_in_no_proxy_sends_everything_direct_and_no_proxy_means_direct() -> None:
    assert Proxy("http://proxy:3128", None, "*").for_url("http://anywhere") == ""
    assert Proxy().for_url("https://anywhere") == ""
