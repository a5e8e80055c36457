"""Command-line interface; ``distillguard.cli.main:main`` is the entry point."""
