"""Prometheus metrics of one gateway instance (its own registry, so several
apps in one process, as in tests, never collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

_LATENCY_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("distillguard_gateway_requests", "Exchanges answered",
                                ["endpoint", "status"], registry=r)
        self.added_latency = Histogram(
            "distillguard_gateway_added_latency_seconds",
            "Time the gateway adds to an exchange (total minus time waiting on upstream)",
            buckets=_LATENCY_BUCKETS, registry=r)
        self.verdicts = Counter("distillguard_gateway_verdicts", "Policy decisions",
                                ["tier", "action"], registry=r)
        self.upstream_errors = Counter("distillguard_gateway_upstream_errors",
                                       "Upstream failures", ["kind"], registry=r)
        self.state_unavailable = Counter("distillguard_gateway_state_unavailable",
                                         "Requests decided while the state store was down",
                                         ["fail_mode"], registry=r)
        self.logged = Counter("distillguard_gateway_logged_events",
                              "Exchanges written to the exchange log", registry=r)
        self.reloads = Counter("distillguard_gateway_reloads", "Configuration reloads",
                               registry=r)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
