"""The conditions the operator reports, and when their transition times move."""

from moorage.operator.status import Observed, conditions, render


def _seen(**fields: object) -> Observed:
    defaults: dict = dict(
        management_state="Managed", wanted=2, ready=2, settled=True, problems=[], crashing=[]
    )
    return Observed(**{**defaults, **fields})


def _by_type(seen: Observed) -> dict[str, tuple[bool, str]]:
    return {c.type: (c.status, c.reason) for c in conditions(seen)}


def test_a_settled_registry_is_available_and_not_progressing() -> None:
    assert _by_type(_seen()) == {
        "Available": (True, "Ready"),
        "Progressing": (False, "Ready"),
        "Degraded": (False, "AsExpected"),
        "Removed": (False, ""),
    }


def test_a_rollout_is_progressing_and_no_replica_is_unavailable() -> None:
    states = _by_type(_seen(settled=False, ready=0))
    assert states["Progressing"] == (True, "RolloutInProgress")
    assert states["Available"] == (False, "NoReplicasAvailable")


def test_removed_is_reported_as_openshift_does() -> None:
    states = _by_type(_seen(management_state="Removed", wanted=0, ready=0))
    assert states["Removed"] == (True, "Removed")
    assert states["Available"] == (True, "Removed")


def test_a_config_that_cannot_work_is_degraded_with_what_to_fix() -> None:
    degraded = next(c for c in conditions(_seen(problems=["fix this"])) if c.type == "Degraded")
    assert degraded.status and degraded.reason == "InvalidConfiguration"
    assert degraded.message.startswith("fix this")
    crashing = next(c for c in conditions(_seen(crashing=["r1"])) if c.type == "Degraded")
    assert crashing.reason == "CrashLooping" and "r1" in crashing.message


def test_a_transition_time_moves_only_when_the_status_does() -> None:
    first = render(conditions(_seen()), [])
    for condition in first:
        condition["lastTransitionTime"] = "2020-01-01T00:00:00Z"
    again = render(conditions(_seen()), first)
    assert all(c["lastTransitionTime"] == "2020-01-01T00:00:00Z" for c in again)
    changed = render(conditions(_seen(problems=["x"])), first)
    degraded = next(c for c in changed if c["type"] == "Degraded")
    assert degraded["lastTransitionTime"] != "2020-01-01T00:00:00Z"
