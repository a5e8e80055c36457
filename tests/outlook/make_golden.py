"""Regenerate the golden summaries: ``cd tests && ../.venv/bin/python -m outlook.make_golden``.

Run it only when a change to the model or the built-in scenarios is intended,
and say why in the commit.
"""

from __future__ import annotations

import json

from .outlook_helpers import BUILTINS, GOLDEN, golden_summary

if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    for name in BUILTINS:
        (GOLDEN / f"{name}.json").write_text(json.dumps(golden_summary(name), indent=2) + "\n")
        print(f"wrote {GOLDEN / f'{name}.json'}")
