"""Load a pack from YAML, keeping the line and column of every key and value.

PyYAML's composer gives us nodes with marks; we turn them into plain Python values ourselves so
that we can record a position for each path, refuse duplicate keys (PyYAML silently keeps the
last), refuse tags and aliases (a pack has no use for them, and alias expansion is the classic
YAML memory bomb), and bound size and depth. Anything that goes wrong becomes a `Diagnostic`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from .diagnostics import Diagnostic, PackError, closest
from .schema import Pack

MAX_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_DEPTH = 64

Loc = tuple[str | int, ...]

try:  # the C composer is several times faster and keeps the same marks
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


@dataclass
class SourceMap:
    """Where each path of the document is: `values[loc]` and, for mapping keys, `keys[loc]`."""

    file: str
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """The closest recorded position for `loc` (walking up to the parents)."""
        table = self.keys if key else self.values
        probe = tuple(loc)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def at(self, loc: Loc, severity: str, message: str, *, key: bool = False) -> Diagnostic:
        line, col = self.position(loc, key=key)
        return Diagnostic(self.file, line, col, severity, message)  # type: ignore[arg-type]


@dataclass
class LoadedPack:
    path: Path
    pack: Pack
    source: SourceMap
    raw: dict[str, Any]
    sha256: str = ""  # of the file's bytes: the bundle manifest's record of which source it was built from


class SchemaError(PackError):
    """The pack parsed but does not match the schema; keeps the parsed document for semantic checks."""

    def __init__(self, diagnostics: list[Diagnostic], raw: dict[str, Any], source: SourceMap, path: Path):
        super().__init__(diagnostics)
        self.raw, self.source, self.path = raw, source, path


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, source: SourceMap):
        self.source = source
        self.nodes = 0
        self.errors: list[Diagnostic] = []

    def error(self, node: yaml.Node, message: str) -> None:
        line, col = _mark(node)
        self.errors.append(Diagnostic(self.source.file, line, col, "error", message))

    def build(self, node: yaml.Node, loc: Loc, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooBig(node)
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        self.source.values[loc] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                self.error(node, f"unsupported YAML tag {node.tag!r}")
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.error(key_node, "YAML merge keys (<<) are not supported in packs")
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    self.error(key_node, "mapping keys must be plain strings")
                    continue
                key = key_node.value
                if key in out:
                    self.error(key_node, f"duplicate key {key!r}")
                    continue
                self.source.keys[loc + (key,)] = _mark(key_node)
                out[key] = self.build(value_node, loc + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.error(node, f"unsupported YAML tag {node.tag!r}")
            return [self.build(item, loc + (i,), depth + 1) for i, item in enumerate(node.value)]
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # a date-looking scalar stays the text the author wrote
        if node.tag not in _SCALAR_TAGS:
            self.error(node, f"unsupported YAML tag {node.tag!r}")
            return node.value
        return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    constructor = yaml.SafeLoader.yaml_constructors[node.tag]
    return constructor(_CONSTRUCTOR, node)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class _TooBig(Exception):
    def __init__(self, node: yaml.Node):
        self.node = node


class _TooDeep(_TooBig):
    pass


def _problem_mark(exc: yaml.MarkedYAMLError) -> tuple[int, int]:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return 1, 1
    return mark.line + 1, mark.column + 1


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain values plus a SourceMap; raise PackError on problems."""
    source = SourceMap(file)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        line, col = _problem_mark(exc)
        reason = (exc.problem or str(exc)).strip()
        if exc.context:
            reason = f"{exc.context.strip()}: {reason}"
        raise PackError([Diagnostic(file, line, col, "error", f"invalid YAML: {reason}")]) from None
    except yaml.YAMLError as exc:  # reader errors (control characters, bad encodings)
        line, col = 1, 1
        mark = getattr(exc, "position", None)
        if isinstance(mark, int):
            prefix = text[:mark]
            line = prefix.count("\n") + 1
            col = mark - (prefix.rfind("\n") + 1) + 1
        msg = f"invalid YAML: {getattr(exc, 'reason', None) or exc}"
        raise PackError([Diagnostic(file, line, col, "error", msg)]) from None
    except RecursionError:
        raise PackError([Diagnostic(file, 1, 1, "error", "YAML nested too deeply")]) from None
    if not nodes or nodes[0] is None:
        raise PackError([Diagnostic(file, 1, 1, "error", "empty pack: expected a mapping with pack, providers, policies")])
    if len(nodes) > 1:
        line, col = _mark(nodes[1])
        raise PackError([Diagnostic(file, line, col, "error", "a pack file holds one YAML document")])
    builder = _Builder(source)
    try:
        value = builder.build(nodes[0], ())
    except _TooDeep as exc:
        line, col = _mark(exc.node)
        raise PackError([Diagnostic(file, line, col, "error", f"nested deeper than {MAX_DEPTH} levels")]) from None
    except _TooBig as exc:
        line, col = _mark(exc.node)
        raise PackError([Diagnostic(file, line, col, "error", f"more than {MAX_NODES} YAML nodes")]) from None
    if builder.errors:
        raise PackError(builder.errors)
    if not isinstance(value, dict):
        raise PackError([source.at((), "error", "a pack must be a mapping with pack, providers, policies")])
    return value, source


def dotted(loc: Loc) -> str:
    """`policy.rbac.roles.clinician`, `providers.targets[0].model`: a path as a pack author reads it."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def known_keys(loc: Loc) -> list[str]:
    """The keys the schema allows in the mapping at `loc` (YAML names), or [] if it is free-form."""
    model: Any = Pack
    for part in (*loc, None):
        while get_origin(model) in (Union, UnionType):  # `X | None`: the non-None member
            model = next(a for a in get_args(model) if a is not type(None))
        if part is None:
            break
        if isinstance(model, type) and issubclass(model, BaseModel):
            fields = {f.alias or n: f for n, f in model.model_fields.items()}
            if part not in fields:
                return []
            model = fields[part].annotation
        elif get_origin(model) in (dict, list):
            model = get_args(model)[-1]
        else:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []


def _describe(err: dict[str, Any]) -> str:
    kind = err["type"]
    loc = ".".join(str(p) for p in err["loc"])
    if kind == "extra_forbidden":
        key, parent = str(err["loc"][-1]), tuple(err["loc"][:-1])
        meant = closest(key, known_keys(parent))
        return (f"unknown key {key!r} at {dotted(tuple(err['loc']))}"
                + (f"; did you mean {meant!r}?" if meant else ""))
    if kind == "missing":
        return f"missing required key {str(err['loc'][-1])!r}"
    msg = err["msg"]
    return f"{loc}: {msg}" if loc else msg


def validate(raw: dict[str, Any], source: SourceMap) -> Pack:
    """Validate plain values against the schema; every pydantic error gets a position."""
    try:
        return Pack.model_validate(raw)
    except ValidationError as exc:
        diags = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            is_key = err["type"] == "extra_forbidden"
            diags.append(source.at(loc, "error", _describe(err), key=is_key))
        raise PackError(diags) from None


def load_pack(path: str | Path, display: str | None = None) -> LoadedPack:
    """Read, parse and validate a pack file. Raises PackError (never anything else for bad input)."""
    path = Path(path)
    file = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise PackError([Diagnostic(file, 1, 1, "error", f"pack is {size} bytes; the limit is {MAX_BYTES}")])
        data = path.read_bytes()
    except PackError:
        raise
    except OSError as exc:
        raise PackError([Diagnostic(file, 1, 1, "error", f"cannot read pack: {exc.strerror or exc}")]) from None
    return load_text(data, file, path)


def load_text(data: bytes, file: str, path: Path | None = None) -> LoadedPack:
    if len(data) > MAX_BYTES:
        raise PackError([Diagnostic(file, 1, 1, "error", f"pack is {len(data)} bytes; the limit is {MAX_BYTES}")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start]
        line = prefix.count(b"\n") + 1
        col = exc.start - (prefix.rfind(b"\n") + 1) + 1
        raise PackError([Diagnostic(file, line, col, "error", "pack is not valid UTF-8 text")]) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        idx = text.index("\x00")
        line = text.count("\n", 0, idx) + 1
        col = idx - (text.rfind("\n", 0, idx) + 1) + 1
        raise PackError([Diagnostic(file, line, col, "error", "pack contains a NUL byte")])
    raw, source = parse_yaml(text, file)
    try:
        pack = validate(raw, source)
    except PackError as exc:  # the YAML parsed: lint can still look at what is valid (build.load_all)
        raise SchemaError(exc.diagnostics, raw, source, path or Path(file)) from None
    return LoadedPack(path=path or Path(file), pack=pack, source=source, raw=raw,
                      sha256=hashlib.sha256(data).hexdigest())
