"""Admission control (`packgate.runtime.gateway.admission`) on a real event loop: bounds, order,
the wait deadline, the priority of requests coming back from the model, and slots never leaking."""

from __future__ import annotations

import asyncio

import pytest

from packgate.runtime.gateway.admission import Admission
from packgate.runtime.wire.errors import GatewayError


async def _hold(adm: Admission, gate: asyncio.Event, log: list[str], name: str) -> None:
    await adm.admit()
    log.append(name)
    await gate.wait()


def run(coro):
    return asyncio.run(coro)


def test_bounds_order_and_refusal() -> None:
    async def go() -> None:
        adm, gate, log = Admission(max_active=2, max_queued=2, max_wait_s=5), asyncio.Event(), []
        tasks = [asyncio.create_task(_hold(adm, gate, log, f"r{i}")) for i in range(4)]
        await asyncio.sleep(0.01)
        assert (log, adm.active, adm.queued) == (["r0", "r1"], 2, 2)
        with pytest.raises(GatewayError) as exc:
            await adm.admit()  # two working, two waiting: the fifth is refused at once
        err = exc.value
        assert (err.status, err.code, err.verdict, dict(err.headers)) == (503, "overloaded", "overloaded",
                                                                         {"Retry-After": "1"})
        gate.set()
        await asyncio.gather(*tasks)
        await asyncio.sleep(0)
        assert log == ["r0", "r1", "r2", "r3"] and (adm.active, adm.queued) == (0, 0)
    run(go())


def test_waiting_too_long_is_overloaded_and_frees_its_place() -> None:
    async def go() -> None:
        adm, gate = Admission(max_active=1, max_queued=4, max_wait_s=0.05), asyncio.Event()
        holder = asyncio.create_task(_hold(adm, gate, [], "h"))
        await asyncio.sleep(0.01)
        with pytest.raises(GatewayError, match="overloaded"):
            await adm.admit()
        assert adm.queued == 0
        gate.set()
        await holder
        await asyncio.sleep(0)
        assert adm.active == 0
    run(go())


def test_a_request_back_from_the_model_goes_first_and_a_cancelled_one_leaks_nothing() -> None:
    async def go() -> None:
        adm, order = Admission(max_active=1, max_queued=4, max_wait_s=5), []
        back = asyncio.Event()

        async def returning() -> None:
            slot = await adm.admit()
            slot.release()            # off to the model
            await back.wait()
            await slot.reacquire()    # back: ahead of anyone who arrived meanwhile
            order.append("returning")
            await asyncio.sleep(0.01)

        async def newcomer(name: str) -> None:
            await adm.admit()
            order.append(name)
            await asyncio.sleep(0.01)

        r = asyncio.create_task(returning())
        await asyncio.sleep(0)
        blocker_gate = asyncio.Event()
        blocker = asyncio.create_task(_hold(adm, blocker_gate, order, "blocker"))
        await asyncio.sleep(0.01)
        n1 = asyncio.create_task(newcomer("n1"))
        n2 = asyncio.create_task(newcomer("n2"))
        await asyncio.sleep(0.01)
        back.set()
        await asyncio.sleep(0.01)
        blocker_gate.set()
        await asyncio.gather(r, blocker, n1, n2)
        assert order == ["blocker", "returning", "n1", "n2"]
        # cancelled while holding a slot, and while waiting: both slots come back
        gate = asyncio.Event()
        holding = asyncio.create_task(_hold(adm, gate, [], "x"))
        await asyncio.sleep(0)
        waiting = asyncio.create_task(_hold(adm, gate, [], "y"))
        await asyncio.sleep(0.01)
        assert (adm.active, adm.queued) == (1, 1)
        waiting.cancel()
        holding.cancel()
        await asyncio.gather(holding, waiting, return_exceptions=True)
        await asyncio.sleep(0)
        assert (adm.active, adm.queued) == (0, 0)
    run(go())
