"""Build hook: compiles the native ingest scanner (``src/distillguard/ingest/_scan.c``
with the ``_scan_*.h`` it includes).

Plain C against the Python headers, no third-party library, so any machine with a
C compiler builds it (``cc`` from ``sysconfig``). ``DISTILLGUARD_NO_NATIVE=1``
builds a pure-Python package instead (ingest then uses its Python block engine,
several times slower); without that, a failed compile fails the build loudly
rather than leaving a slow install behind silently.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src/distillguard/ingest/_scan.c")


class NativeScannerHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if os.environ.get("DISTILLGUARD_NO_NATIVE") == "1" or self.target_name == "sdist":
            return
        root = Path(self.root)
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        target = root / SOURCE.with_name("_scan" + suffix)
        src = root / SOURCE
        newest = max(p.stat().st_mtime for p in src.parent.glob("_scan*.[ch]"))
        if not target.exists() or target.stat().st_mtime < newest:
            cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
            cmd = [*cc, "-O2", "-fPIC", "-shared", "-std=c11", "-Wall",
                   f"-I{sysconfig.get_paths()['include']}", str(src), "-o", str(target)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode:
                raise RuntimeError(
                    f"compiling {SOURCE} failed ({shlex.join(cmd)}):\n{done.stderr}\n"
                    "Install a C compiler and the Python headers, or set "
                    "DISTILLGUARD_NO_NATIVE=1 for a pure-Python build.")
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":
            build_data["force_include"][str(target)] = f"distillguard/ingest/{target.name}"
