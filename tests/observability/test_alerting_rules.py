"""The alerting rules the project ships (deploy/prometheus/rules.yaml) are valid Prometheus
rules, and fire as their unit tests (rules.test.yaml) say: ImageRegistryRemoved with the
specification's message (section 2.2.1)."""

import subprocess

from tests.support.requirements import REPOSITORY, require

RULES = REPOSITORY / "deploy" / "prometheus"


def promtool(*args: str) -> str:
    done = subprocess.run(
        [str(require("promtool")), *args],
        capture_output=True,
        text=True,
        cwd=RULES,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_rules_pass_promtool_check() -> None:
    assert "SUCCESS: 4 rules found" in promtool("check", "rules", "rules.yaml")


def test_the_alerts_fire_with_their_messages() -> None:
    assert "SUCCESS" in promtool("test", "rules", "rules.test.yaml")
