"""Detection: the hunt's user API, the fitted scoring table and campaign attribution."""

from distillguard.detect.config import FEATURE_SPECS, Feature, HuntConfig, load_config
from distillguard.detect.hunt import HuntResult, hunt

__all__ = ["FEATURE_SPECS", "Feature", "HuntConfig", "HuntResult", "hunt", "load_config"]
