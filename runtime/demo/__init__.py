"""`packgate demo`: the seed pack's scenarios against the real gateway and a labelled stand-in model."""

from .scenarios import run_demo
from .standin import LABEL, Reply, ScriptError, StandinModel, load_script

__all__ = ["LABEL", "Reply", "ScriptError", "StandinModel", "load_script", "run_demo"]
