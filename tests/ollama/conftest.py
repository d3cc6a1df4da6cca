from tests.ollama.fixtures import ollama_server  # noqa: F401  (registers the session fixture)
