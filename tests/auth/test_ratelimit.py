"""Failed logins are limited per key in a sliding window; a key is a user and source together,
or a source alone (more loosely)."""

from moorage.auth.ratelimit import FailureLimiter, LoginLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_refused_after_limit_failures_until_the_oldest_leaves_the_window() -> None:
    clock = Clock()
    limiter = FailureLimiter(limit=3, window=60, clock=clock)
    for _ in range(2):
        limiter.charge("source:192.0.2.1")
        clock.now += 10
    assert limiter.retry_after("source:192.0.2.1") == 0
    limiter.charge("source:192.0.2.1")  # the third, at 1020

    assert limiter.retry_after("source:192.0.2.1") == 40  # the first (1000) leaves at 1060
    clock.now = 1060.5
    assert limiter.retry_after("source:192.0.2.1") == 0


def test_keys_are_counted_apart_and_any_refused_key_refuses() -> None:
    limiter = FailureLimiter(limit=2, window=60, clock=Clock())
    for key in ("source:a", "user:alice", "source:b", "user:alice"):
        limiter.charge(key)
    assert limiter.retry_after("source:a") == 0
    assert limiter.retry_after("source:c", "user:alice") > 0


def test_successes_do_not_wipe_failures() -> None:
    limiter = FailureLimiter(limit=1, window=60, clock=Clock())
    limiter.charge("user:alice")
    assert limiter.retry_after("user:alice") > 0


def test_memory_is_bounded() -> None:
    clock = Clock()
    limiter = FailureLimiter(limit=5, window=60, clock=clock, max_keys=100)
    for n in range(1000):
        limiter.charge(f"source:{n}")
    assert len(limiter._failures) <= 100
    assert limiter.retry_after("source:999") == 0  # one failure is under the limit


def test_a_flood_for_one_user_from_one_source_slows_only_that_pair() -> None:
    limits = LoginLimits(per_pair=10, per_source=100)
    for _ in range(10):
        limits.attempt("alice", "192.0.2.1")
    assert 0 < limits.attempt("alice", "192.0.2.1").wait <= 300
    assert limits.attempt("alice", "192.0.2.2").wait == 0  # the same user elsewhere
    assert limits.attempt("bob", "192.0.2.1").wait == 0  # another user behind the same address


def test_a_source_failing_under_many_names_is_limited_more_loosely() -> None:
    limits = LoginLimits(per_pair=10, per_source=30)
    for n in range(30):
        limits.attempt(f"user{n}", "192.0.2.1")
    assert limits.attempt("somebody-new", "192.0.2.1").wait > 0
    assert limits.attempt("somebody-new", "192.0.2.2").wait == 0


def test_an_ipv6_source_counts_as_its_slash_64() -> None:
    limits = LoginLimits(per_pair=10, per_source=100)
    for n in range(10):
        limits.attempt("alice", f"2001:db8:0:1::{n + 1:x}")
    assert limits.attempt("alice", "2001:db8:0:1:ffff::1").wait > 0
    assert limits.attempt("alice", "2001:db8:0:2::1").wait == 0


def test_ipv4_clients_of_a_dual_stack_socket_count_by_their_own_address() -> None:
    limits = LoginLimits(per_pair=10, per_source=100)
    for _ in range(10):
        limits.attempt("alice", "::ffff:192.0.2.1")
    assert limits.attempt("alice", "192.0.2.1").wait > 0
    assert limits.attempt("alice", "::ffff:192.0.2.2").wait == 0


def test_an_attempt_counts_as_failed_until_taken_back() -> None:
    limits = LoginLimits(per_pair=2, per_source=100)
    first, second = limits.attempt("alice", "192.0.2.1"), limits.attempt("alice", "192.0.2.1")
    assert first.wait == second.wait == 0
    assert limits.attempt("alice", "192.0.2.1").wait > 0  # both still being checked
    first.take_back()  # its password was right
    assert limits.attempt("alice", "192.0.2.1").wait == 0
