"""Upstream models: one attempt at one target over pooled connections; failover is the gateway's."""

from .client import UpstreamFailed, Upstreams

__all__ = ["UpstreamFailed", "Upstreams"]
