#!/usr/bin/env python3
"""Writes every parity fixture of kvasir-core/src/test/resources/parity/: runs write_fixture() of each
*_ref.py module beside this file (or only those named: make_fixtures.py snapkv pyramidkv).
See README.md beside this file."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem[:-len("_ref")] for p in HERE.glob("*_ref.py"))
    for name in names:
        t0 = time.time()
        module = importlib.import_module(f"{name}_ref")
        path = module.write_fixture()
        print(f"{name}: {path} ({time.time() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
