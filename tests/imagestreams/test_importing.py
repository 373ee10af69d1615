"""What `--all` imports first, how a DockerImage source is read, and when an import stops."""

import pytest

from moorage.imagestreams.import_rules import ImportRules
from moorage.imagestreams.import_settings import ImportSettings
from moorage.imagestreams.importing import InvalidSource, import_image, order_tags, source_of
from moorage.upstream.allowance import Allowance
from moorage.upstream.reach import Reach


def test_latest_then_versions_newest_first_then_the_rest() -> None:
    tags = ["beta", "1.2", "v1.10", "latest", "1.9", "alpha", "2"]
    assert order_tags(tags) == ["latest", "2", "v1.10", "1.9", "1.2", "alpha", "beta"]


def test_a_source_without_tag_means_latest_and_a_bad_one_is_invalid() -> None:
    assert source_of("quay.io/team/app").tag == "latest"
    with pytest.raises(InvalidSource):
        source_of("quay.io/Team/app")


def test_an_import_past_its_allowed_time_fails_without_going_out() -> None:
    settings = ImportSettings([], ImportRules(), Reach(), Allowance(seconds=0))
    imported = import_image(settings, "registry.example.test/team/app:v1", False, "Legacy")
    assert imported.error is not None
    assert "the import ran out of time before GET https://registry.example.test/v2/" in (
        imported.error.message
    )
