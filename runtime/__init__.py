"""packgate's runtime: the gateway and what it stands on (see docs/architecture.md for the layers)."""
