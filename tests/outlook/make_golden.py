"""Regenerate the golden summaries: ``.venv/bin/python tests/outlook/make_golden.py``.

Run it only when a change to the model or the built-in scenarios is intended,
and say why in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from outlook_helpers import BUILTINS, GOLDEN, golden_summary  # noqa: E402

if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    for name in BUILTINS:
        (GOLDEN / f"{name}.json").write_text(json.dumps(golden_summary(name), indent=2) + "\n")
        print(f"wrote {GOLDEN / f'{name}.json'}")
