"""The gateway: an OpenAI/Anthropic-compatible proxy that logs every exchange
as a canonical event, scores accounts online and enforces policy.

Public API::

    Gateway, build_gateway          the ASGI app and its resources
    KeyStore                        gateway keys, hashed at rest
    ExchangeLog                     the durable exchange log and its rotation
    StubUpstream                    a stub model API (OpenAI and Anthropic wire formats)
    Policy, load_policy, parse_policy
    run_replay, ReplayReport        send a simulated world through a running gateway
"""

from distillguard.gateway.app import Gateway, build_gateway
from distillguard.gateway.exchange_log import ExchangeLog
from distillguard.gateway.keys import KeyStore
from distillguard.gateway.policy import DEFAULT_POLICY, Policy, load_policy, parse_policy
from distillguard.gateway.stub import StubUpstream

__all__ = [
    "DEFAULT_POLICY", "ExchangeLog", "Gateway", "KeyStore", "Policy", "StubUpstream",
    "build_gateway", "load_policy", "parse_policy",
]
