"""Start-up time of the CLI: best and median of N fresh processes per command.

Usage::

    python benchmarks/startup.py [-n 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = (
    ["--version"],
    ["--help"],
    ["validate", "flows"],
    ["check", "flows", "--today", "2026-11-28"],
    ["render", "flows", "--format", "dot"],
)


def main(argv=None) -> None:
    """Time each command in fresh interpreters and print milliseconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=9)
    args = parser.parse_args(argv)
    probe = "import sys; from lineage.cli import main; sys.argv = ['lineage', *sys.argv[1:]]; main()"
    print(f"{'command':<40} {'best ms':>8} {'median ms':>10}")
    for command in COMMANDS:
        times = []
        for _ in range(args.n):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", probe, *command], cwd=REPO, capture_output=True)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{'lineage ' + ' '.join(command):<40} {min(times):>8.0f} {statistics.median(times):>10.0f}")


if __name__ == "__main__":
    main()
