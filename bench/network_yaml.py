"""How fast, and in how little memory, a YAML alias bomb is refused.

Run: .venv/bin/python bench/network_yaml.py

A "billion laughs" file (nine levels of ten aliases: 10^9 values once expanded)
must be refused by load_network in milliseconds and a few hundred kilobytes,
because the node graph is measured before any Python object is built. The
sample network is loaded the same way for comparison.
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hcinfra.network import NetworkError, load_network  # noqa: E402


def bomb(levels: int = 9) -> str:
    """A billion-laughs document with `levels` levels of ten aliases each."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]")
    lines.append(f"tenant: *a{levels}")
    return "\n".join(lines) + "\n"


def measure(path: Path) -> tuple[float, int, str]:
    """Seconds, peak bytes traced, and the outcome of one load."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        load_network(path)
        outcome = "valid"
    except NetworkError as err:
        outcome = err.problems[0].message[:70]
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, outcome


def main() -> None:
    """Print the figures for the bomb and for the sample network."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.yaml"
        path.write_text(bomb(), encoding="utf-8")
        load_network(ROOT / "stacks" / "network.yaml")  # warm the imports
        for label, target in (
            ("alias bomb (10^9)", path),
            ("sample", ROOT / "stacks" / "network.yaml"),
        ):
            elapsed, peak, outcome = measure(target)
            print(f"{label:18} {elapsed * 1000:8.1f} ms  peak {peak / 1024:8.0f} KiB  {outcome}")


if __name__ == "__main__":
    main()
