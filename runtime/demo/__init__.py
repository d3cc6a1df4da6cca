"""`packgate demo`: the seed pack's scenarios against the real gateway and a labelled stand-in model."""

from .scenarios import DEFAULT_WORK_DIR, run_demo
from .standin import LABEL, Reply, ScriptError, StandinModel, load_script

__all__ = ["DEFAULT_WORK_DIR", "LABEL", "Reply", "ScriptError", "StandinModel", "load_script", "run_demo"]
