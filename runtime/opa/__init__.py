"""OPA: the decision client, the embedded `opa run --server`, the bundle server it polls, hot reload."""

from .bundle_server import BundleServer
from .client import Decision, OpaClient, OpaUnavailable
from .evaluate import evaluate_each, redaction_decisions
from .reload import Reloader, ReloadOutcome, activation_facts, prebuilt
from .server import EmbeddedOpa, OpaError, active_revision, check_external

__all__ = ["BundleServer", "Decision", "EmbeddedOpa", "OpaClient", "OpaError", "OpaUnavailable", "ReloadOutcome",
           "Reloader", "activation_facts", "active_revision", "check_external", "evaluate_each", "prebuilt",
           "redaction_decisions"]
