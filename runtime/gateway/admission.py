"""Admission control: how many chat requests the gateway works on at once, and how many may wait.

Every request whose body is read and valid and whose identity is resolved (cheap: headers, a token)
asks for a slot before anything costly happens (the scan, OPA, the upstream). At most `max_active` hold a slot;
up to `max_queued` more wait for one, first come first served, for at most `max_wait_s`. A request
that finds the queue full, or waits longer than that, is refused with 503 `overloaded` and a
`Retry-After` header (one audit event, verdict `overloaded`): an explicit "come back later" instead
of every request slowing down until OPA deadlines fire and look like an OPA outage.

A slot is for the work the gateway's own event loop does: it is given back while the request waits
on the model (that costs the loop nothing, and a slow model must not starve the queue) and taken
again, ahead of new arrivals and never refused, for the response decision; it is released for good
when the request's task ends (the answer written), however it ends.
"""

from __future__ import annotations

import asyncio
from collections import deque

from packgate.runtime.wire.errors import GatewayError

RETRY_AFTER_S = 1


def overloaded(why: str) -> GatewayError:
    return GatewayError(503, "overloaded", f"the gateway is overloaded ({why}); retry after {RETRY_AFTER_S}s",
                        verdict="overloaded", headers={"Retry-After": str(RETRY_AFTER_S)})


class Slot:
    """One request's claim on a slot; released when its task ends, however it ends."""

    def __init__(self, admission: Admission) -> None:
        self._admission = admission
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self._admission._release()

    async def reacquire(self) -> None:
        """Back from waiting on the model: a slot again, ahead of new arrivals and never refused
        (the upstream has already done its work; shedding now would waste it)."""
        if not self.held:
            await self._admission._acquire(front=True)
            self.held = True


class Admission:
    """A bounded FIFO of waiting requests in front of `max_active` slots (one per event loop)."""

    def __init__(self, max_active: int = 32, max_queued: int = 512, max_wait_s: float = 10.0) -> None:
        self.max_active, self.max_queued, self.max_wait_s = max_active, max_queued, max_wait_s
        self.active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def queued(self) -> int:
        return len(self._waiters)

    async def admit(self) -> Slot:
        """A slot (waiting in line if need be) for the current task, or 503 `overloaded`."""
        task = asyncio.current_task()
        assert task is not None
        if not self._free() and len(self._waiters) >= self.max_queued:
            raise overloaded("queue full")
        try:
            async with asyncio.timeout(self.max_wait_s):
                await self._acquire(front=False)
        except TimeoutError:
            raise overloaded("waited too long") from None
        slot = Slot(self)
        task.add_done_callback(lambda _task: slot.release())
        return slot

    def _free(self) -> bool:
        return self.active < self.max_active and not self._waiters

    async def _acquire(self, *, front: bool) -> None:
        if self._free():
            self.active += 1
            return
        turn = asyncio.get_running_loop().create_future()
        if front:
            self._waiters.appendleft(turn)
        else:
            self._waiters.append(turn)
        try:
            await turn  # `_release` hands its slot straight to us
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._release()  # the slot arrived as we gave up: pass it on
            else:
                turn.cancel()
                self._waiters.remove(turn)
            raise

    def _release(self) -> None:
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot moves to the next in line; `active` is unchanged
                return
        self.active -= 1
