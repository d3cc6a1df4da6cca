"""The wire formats packgate speaks (OpenAI chat.completions, Ollama /api/chat): requests, answers, errors."""

from .answer import Completion
from .chat import ParsedChat, Protocol, parse_chat
from .errors import GatewayError, error_body, error_response

__all__ = ["Completion", "GatewayError", "ParsedChat", "Protocol", "error_body", "error_response", "parse_chat"]
