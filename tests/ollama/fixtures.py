"""pytest fixtures for a real Ollama serving the tiny test model.

Use them from any test package by importing them into its conftest.py:

    from tests.ollama.fixtures import ollama_server  # noqa: F401  (registers the fixture)

`ollama_server` is session-scoped: one `ollama serve` per pytest session, started on first use
(about 1-3 s: serve, `ollama create`, model load) and stopped at the end of the session.
It yields an `OllamaServer` (tests/ollama/server.py): `.url` (http://127.0.0.1:PORT), `.host`
(127.0.0.1:PORT, for `ollama.Client(host=...)`), `.openai_base_url` (`.url` + "/v1"), `.model`
("packgate-tiny:latest"); every chat answer of the model is `tests.ollama.server.ANSWER`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import OllamaServer


@pytest.fixture(scope="session")
def ollama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OllamaServer]:
    srv = OllamaServer(tmp_path_factory.mktemp("ollama"))
    try:
        srv.start()
        yield srv
    finally:
        srv.close()
