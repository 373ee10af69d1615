"""Request limits: a replica runs at most so many requests of a kind, queues so many more.

The limiter is driven directly; the middleware is served by a real aiohttp server on
127.0.0.1 with handlers the test holds back, and spoken to by real clients (httpx, and
raw sockets for clients that leave or stop reading).
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from moorage.distribution.errors import oci_errors
from moorage.distribution.limits import Limiter, Limits, Refused
from moorage.registry.settings import RequestLimits

BIG = 32 * 1024 * 1024  # more than loopback's socket buffers hold


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(test())


def never_gone() -> bool:
    return False


async def settle() -> None:
    """Let every task that can take a step take it."""
    for _ in range(10):
        await asyncio.sleep(0)


async def until(check: Callable[[], bool], what: str) -> None:
    async with asyncio.timeout(30):
        while not check():
            await asyncio.sleep(0.01)
    assert check(), what


def queue_of(running: int, queued: int, wait: float | None = None) -> Limiter:
    return Limiter("read", RequestLimits(running, queued, wait))


def test_waiting_requests_start_in_the_order_they_came_as_places_free() -> None:
    async def test() -> None:
        limiter = queue_of(1, 3)
        assert limiter.try_start()
        started: list[str] = []

        async def request(name: str) -> None:
            await limiter.wait(never_gone)
            started.append(name)

        tasks = [asyncio.create_task(request(name)) for name in "abc"]
        await settle()
        assert (limiter.running, limiter.queued, started) == (1, 3, [])
        assert not limiter.try_start(), "a newcomer does not pass the queue"
        for expected in (["a"], ["a", "b"], ["a", "b", "c"]):
            limiter.done()
            await settle()
            assert started == expected
        limiter.done()
        assert (limiter.running, limiter.queued) == (0, 0)
        await asyncio.gather(*tasks)

    run(test)


def test_past_a_full_queue_a_request_is_refused_at_once() -> None:
    async def test() -> None:
        limiter = queue_of(1, 1)
        assert limiter.try_start()
        waiting = asyncio.create_task(limiter.wait(never_gone))
        await settle()
        with pytest.raises(Refused, match="reads running: 1, waiting: 1"):
            await limiter.wait(never_gone)
        limiter.done()
        await waiting
        assert (limiter.running, limiter.queued) == (1, 0)

    run(test)


def test_no_queue_refuses_every_request_past_the_running_ones() -> None:
    async def test() -> None:
        limiter = queue_of(2, 0)
        assert limiter.try_start() and limiter.try_start()
        with pytest.raises(Refused, match="reads running: 2, waiting: 0"):
            await limiter.wait(never_gone)

    run(test)


def test_a_request_that_waits_its_time_out_is_refused_and_leaves_the_queue() -> None:
    async def test() -> None:
        limiter = queue_of(1, 1, wait=0.01)
        assert limiter.try_start()
        with pytest.raises(Refused, match=r"waited 0.01s \(spec.requests.read.maxWaitInQueue\)"):
            await limiter.wait(never_gone)
        assert limiter.queued == 0
        limiter.done()
        assert limiter.running == 0

    run(test)


def test_a_cancelled_waiting_request_gives_its_place_in_the_queue_to_the_next() -> None:
    async def test() -> None:
        limiter = queue_of(1, 2)
        assert limiter.try_start()
        first = asyncio.create_task(limiter.wait(never_gone))
        second = asyncio.create_task(limiter.wait(never_gone))
        await settle()
        first.cancel()
        await settle()
        assert limiter.queued == 1
        limiter.done()
        await second
        assert (limiter.running, limiter.queued) == (1, 0)

    run(test)


def test_a_place_handed_to_a_request_as_it_is_cancelled_goes_on_to_the_next() -> None:
    async def test() -> None:
        limiter = queue_of(1, 2)
        assert limiter.try_start()
        first = asyncio.create_task(limiter.wait(never_gone))
        second = asyncio.create_task(limiter.wait(never_gone))
        await settle()
        limiter.done()  # hands the place to `first`, which is cancelled before it wakes
        first.cancel()
        await second
        assert (limiter.running, limiter.queued) == (1, 0)
        assert first.cancelled()

    run(test)


def test_a_waiting_request_whose_client_left_leaves_the_queue() -> None:
    async def test() -> None:
        limiter = queue_of(1, 1)
        assert limiter.try_start()
        left = False
        waiting = asyncio.create_task(limiter.wait(lambda: left))
        await settle()
        left = True
        with pytest.raises(Refused, match="the client left while waiting"):
            await waiting
        assert limiter.queued == 0

    run(test)


@dataclass
class Held:
    """Handlers of a test application: reads of /v2/held wait until `gate` opens."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    returned: asyncio.Event = field(default_factory=asyncio.Event)

    async def held(self, _request: web.Request) -> web.StreamResponse:
        await self.gate.wait()
        return web.Response(text="held")

    async def at_once(self, _request: web.Request) -> web.StreamResponse:
        return web.Response(text="at once")

    async def big(self, _request: web.Request) -> web.StreamResponse:
        self.returned.set()
        return web.Response(body=bytes(BIG))

    async def stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        while True:
            await response.write(bytes(65536))

    async def fail(self, _request: web.Request) -> web.StreamResponse:
        raise RuntimeError("the handler broke")


@asynccontextmanager
async def serving(limits: Limits) -> AsyncIterator[tuple[Held, httpx.AsyncClient, int]]:
    held = Held()
    app = web.Application(middlewares=[oci_errors, limits.middleware])
    app.router.add_get("/v2/held", held.held)
    app.router.add_get("/v2/big", held.big)
    app.router.add_get("/v2/stream", held.stream)
    app.router.add_get("/v2/fail", held.fail)
    app.router.add_put("/v2/held", held.at_once)
    app.router.add_get("/v2/", held.at_once)
    app.router.add_get("/openshift/token", held.at_once)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield held, client, port
    finally:
        held.gate.set()
        await runner.cleanup()


async def raw_get(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    return reader, writer


def readers(limits: Limits) -> Limiter:
    assert limits.readers is not None
    return limits.readers


def test_reads_past_the_limits_are_answered_429_toomanyrequests_at_once() -> None:
    async def test() -> None:
        limits = Limits(RequestLimits(1, 1), None)
        async with serving(limits) as (held, client, _port):
            first = asyncio.create_task(client.get("/v2/held"))
            await until(lambda: readers(limits).running == 1, "the first read runs")
            second = asyncio.create_task(client.get("/v2/held"))
            await until(lambda: readers(limits).queued == 1, "the second read waits")
            third = await client.get("/v2/held")
            assert third.status_code == 429
            assert third.headers["Retry-After"] == "1"
            [error] = third.json()["errors"]
            assert error["code"] == "TOOMANYREQUESTS"
            assert "reads running: 1, waiting: 1" in error["message"]
            assert not first.done() and not second.done()
            held.gate.set()
            assert [(await r).text for r in (first, second)] == ["held", "held"]
            assert (readers(limits).running, readers(limits).queued) == (0, 0)

    run(test)


def test_writes_the_version_check_and_tokens_are_not_held_by_the_read_limits() -> None:
    async def test() -> None:
        limits = Limits(RequestLimits(1, 0), None)
        async with serving(limits) as (held, client, _port):
            first = asyncio.create_task(client.get("/v2/held"))
            await until(lambda: readers(limits).running == 1, "the read runs")
            assert (await client.get("/v2/held")).status_code == 429
            for answer in (
                await client.put("/v2/held"),
                await client.get("/v2/"),
                await client.get("/openshift/token"),
            ):
                assert answer.text == "at once"
            held.gate.set()
            assert (await first).status_code == 200

    run(test)


def test_writes_have_limits_of_their_own() -> None:
    async def test() -> None:
        limits = Limits(None, RequestLimits(1, 0))
        assert limits.writers is not None and limits.readers is None
        async with serving(limits) as (_held, client, _port):
            assert limits.writers.try_start()  # a write in flight
            refused = await client.put("/v2/held")
            assert refused.status_code == 429
            assert "writes running: 1, waiting: 0" in refused.json()["errors"][0]["message"]
            limits.writers.done()
            assert (await client.put("/v2/held")).status_code == 200

    run(test)


def test_a_read_that_waited_its_time_out_is_answered_429() -> None:
    async def test() -> None:
        limits = Limits(RequestLimits(1, 1, 0.05), None)
        async with serving(limits) as (held, client, _port):
            first = asyncio.create_task(client.get("/v2/held"))
            await until(lambda: readers(limits).running == 1, "the first read runs")
            waited = await client.get("/v2/held")
            assert waited.status_code == 429
            assert "waited 0.05s" in waited.json()["errors"][0]["message"]
            held.gate.set()
            assert (await first).status_code == 200

    run(test)


def test_a_client_that_leaves_while_waiting_gives_up_its_place() -> None:
    async def test() -> None:
        limits = Limits(RequestLimits(1, 1), None)
        async with serving(limits) as (held, client, port):
            first = asyncio.create_task(client.get("/v2/held"))
            await until(lambda: readers(limits).running == 1, "the first read runs")
            _reader, writer = await raw_get(port, "/v2/held")
            await until(lambda: readers(limits).queued == 1, "the second read waits")
            writer.close()
            await until(lambda: readers(limits).queued == 0, "the queue to empty")
            held.gate.set()
            assert (await first).status_code == 200
            assert readers(limits).running == 0

    run(test)


def test_a_client_that_leaves_while_its_answer_streams_gives_up_its_place() -> None:
    async def test() -> None:
        limits = Limits(RequestLimits(1, 0), None)
        async with serving(limits) as (_held, client, port):
            reader, writer = await raw_get(port, "/v2/stream")
            await reader.readexactly(65536)
            assert readers(limits).running == 1
            writer.close()
            await until(lambda: readers(limits).running == 0, "the stream's place to free")
            assert (await client.get("/v2/")).status_code == 200

    run(test)


def test_a_failing_read_gives_up_its_place() -> None:
    async def test() -> None:
        limits = Limits(RequestLimits(1, 0), None)
        async with serving(limits) as (_held, client, _port):
            for _ in range(2):
                assert (await client.get("/v2/fail")).status_code == 500
            assert readers(limits).running == 0

    run(test)


def test_a_read_holds_its_place_until_its_answer_is_written() -> None:
    async def test() -> None:
        limits = Limits(RequestLimits(1, 1), None)
        async with serving(limits) as (held, client, port):
            reader, writer = await raw_get(port, "/v2/big")  # and reads nothing yet
            await held.returned.wait()
            held.gate.set()
            second = asyncio.create_task(client.get("/v2/held"))
            await until(lambda: readers(limits).queued == 1, "the second read waits")
            await settle()
            assert (readers(limits).running, readers(limits).queued) == (1, 1)
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            await reader.readexactly(BIG)
            assert (await second).text == "held"
            writer.close()

    run(test)
