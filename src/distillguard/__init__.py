"""distillguard: the open-source defence of frontier AI models and compute
against capability theft."""

__version__ = "0.1.0"
