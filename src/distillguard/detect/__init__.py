"""Detection: the hunt's user API, scoring table and campaign attribution."""

from distillguard.detect.config import DEFAULT_FEATURES, Feature, HuntConfig, load_config
from distillguard.detect.hunt import HuntResult, hunt

__all__ = ["DEFAULT_FEATURES", "Feature", "HuntConfig", "HuntResult", "hunt", "load_config"]
