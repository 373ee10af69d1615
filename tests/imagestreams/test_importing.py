"""What `--all` imports first, and how a DockerImage source is read."""

import pytest

from moorage.imagestreams.importing import InvalidSource, order_tags, source_of


def test_latest_then_versions_newest_first_then_the_rest() -> None:
    tags = ["beta", "1.2", "v1.10", "latest", "1.9", "alpha", "2"]
    assert order_tags(tags) == ["latest", "2", "v1.10", "1.9", "1.2", "alpha", "beta"]


def test_a_source_without_tag_means_latest_and_a_bad_one_is_invalid() -> None:
    assert source_of("quay.io/team/app").tag == "latest"
    with pytest.raises(InvalidSource):
        source_of("quay.io/Team/app")
