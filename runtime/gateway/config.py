"""What one gateway process serves: its routes (one per pack), its OPA, its audit log, its limits.

The route table is a single immutable value (`RouteTable`) stored on `app.state.routes`. Each request
reads it exactly once, so hot reload is one attribute assignment (`install_routes`): requests in
flight finish on the table they started with, new requests see the new packs and bundle revision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from packgate.compiler.rego_literal import identifier
from packgate.compiler.schema import Pack, Target
from packgate.runtime.redaction import Engine

from .parsing import HIDDEN_HEADERS

if TYPE_CHECKING:
    from starlette.applications import Starlette

MiB = 1024 * 1024


def data_path_for(pack_name: str) -> str:
    """`packgate/packs/<pkg>`: the bundle root and the `/v1/data/...` prefix of a pack."""
    return f"packgate/packs/{identifier(pack_name)}"


@dataclass(frozen=True, eq=False)
class Route:
    """One pack as served: its schema object, where its decisions live in OPA, its detectors."""

    pack: Pack
    data_path: str
    engine: Engine | None = None  # built once per pack (never per request)

    @property
    def name(self) -> str:
        return self.pack.pack.name

    @property
    def version(self) -> str:
        return self.pack.pack.version

    @cached_property
    def targets(self) -> Mapping[str, Target]:
        return MappingProxyType({t.id: t for t in self.pack.providers.targets})

    @cached_property
    def opa_header_names(self) -> frozenset[str]:
        """The request headers OPA reads (docs/decision-api.md, `headers`): rbac's `deny_if_missing`
        plus the identity headers, lower-cased. Nothing else is sent (smaller input, nothing spare)."""
        rbac = self.pack.policy.rbac
        required = rbac.deny_if_missing if rbac is not None else []
        return frozenset({"x-user-id", "x-user-role", "x-tool", "x-data-sensitivity",
                          *(h.lower() for h in required)}) - HIDDEN_HEADERS

    @classmethod
    def from_pack(cls, pack: Pack, data_path: str | None = None) -> Route:
        return cls(pack=pack, data_path=data_path or data_path_for(pack.pack.name),
                   engine=Engine.from_pack(pack))

    @classmethod
    def from_built(cls, built: Any) -> Route:
        """From one entry of `build_bundle(...).packs` (has `.loaded.pack` and `.data_path`)."""
        return cls.from_pack(built.loaded.pack, getattr(built, "data_path", None))


@dataclass(frozen=True, eq=False)
class RouteTable:
    """Every served pack plus the bundle revision they were compiled into; swapped as one value."""

    routes: tuple[Route, ...]
    revision: str

    def __post_init__(self) -> None:
        if not self.routes:
            raise ValueError("a gateway needs at least one pack")
        object.__setattr__(self, "_by_name", {r.name: r for r in self.routes})

    @property
    def default(self) -> Route:
        """The first pack, also served at the root paths."""
        return self.routes[0]

    def get(self, name: str) -> Route | None:
        return self._by_name.get(name)  # type: ignore[attr-defined]


class AuditSink(Protocol):
    """What the gateway needs from `runtime/audit.py`'s AuditLog."""

    @property
    def healthy(self) -> bool: ...

    def record(self, event: dict[str, Any]) -> str: ...

    def open_escalation(self, event_id: str, pack: str, user_id: str | None, role: str | None,
                        policy: str | None, reason: str | None) -> str: ...


@dataclass
class GatewayConfig:
    """Everything `create_app` needs. `packgate gateway run` and `packgate demo` build one of these.

    `standin_url` is the only way to point targets somewhere else than their pack's `base_url`: it is
    an explicit option for tests and the demo (a labelled stand-in model), never set implicitly by
    `gateway run`, and every response served through it carries `X-Packgate-Standin: true`.
    """

    routes: Sequence[Route]
    opa_url: str
    bundle_revision: str | Callable[[], str] = ""
    audit: AuditSink | None = None
    opa_timeout_s: float = 1.0           # a hung OPA must fail closed quickly (503)
    upstream_connect_timeout_s: float = 5.0  # read timeout comes from each target's `timeout_s`
    max_body_bytes: int = 1 * MiB        # larger: 413
    max_header_count: int = 100          # more: 400 (hostile input)
    max_active_requests: int = 32        # chat requests worked on at once (admission.py)
    max_queued_requests: int = 512       # more waiting: 503 overloaded
    max_queue_wait_s: float = 10.0       # waited longer: 503 overloaded
    standin_url: str | None = None       # tests/demo only: send every target here instead
    scan_workers: int = 1                # processes that scan big requests off the event loop (scanning.py)
    scan_inline_chars: int = 4096        # requests with more text than this are scanned in a worker
    standin_label: str = "packgate stand-in model (not a real model)"
    policy_problems: Callable[[], list[str]] | None = None  # why the packs on disk are not serving (/health degraded)
    extra: dict[str, Any] = field(default_factory=dict)

    def revision(self) -> str:
        rev = self.bundle_revision
        return rev() if callable(rev) else rev

    def route_table(self) -> RouteTable:
        return RouteTable(tuple(self.routes), self.revision())


def install_routes(app: Starlette, routes: Sequence[Route], revision: str) -> None:
    """Hot reload: replace the served packs and bundle revision in one assignment."""
    app.state.routes = RouteTable(tuple(routes), revision)
