"""packgate: YAML policy packs compiled to OPA bundles, enforced by a gateway in front of local models."""

__version__ = "0.1.0"
