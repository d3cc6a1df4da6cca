"""`packgate demo`: the seed pack's scenarios against the real gateway and a labelled stand-in model."""

from .scenarios import run_demo
from .standin import Reply, StandinModel

__all__ = ["Reply", "StandinModel", "run_demo"]
