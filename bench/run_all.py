"""Run every benchmark and print one table.

    python bench/run_all.py            # the full run (a few minutes)
    python bench/run_all.py --quick    # small sizes: checks that every benchmark still runs (CI)
    python bench/run_all.py --only 2 5 # some of them

Every Hamming figure is printed beside its baseline, run in the same process run (benchmarks
1-4: a bare discord.py bot on the same local Discord server), and as a ratio. `--quick` never
fails on numbers, only when a benchmark cannot run; the full run exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Row, render

Bench = Callable[[bool, Path], list[Row]]


def _interactions(quick: bool, folder: Path) -> list[Row]:
    from bench import interactions

    return interactions.rows(quick, folder)


def _fanout(quick: bool, folder: Path) -> list[Row]:
    from bench import fanout

    return fanout.rows(quick, folder)


def _processes(quick: bool, folder: Path) -> list[Row]:
    from bench import processes

    return processes.rows(quick, folder)


def _storage(quick: bool, folder: Path) -> list[Row]:
    from bench import storage

    return storage.rows(quick, folder)


def _matching(quick: bool, folder: Path) -> list[Row]:
    from bench import matching

    exact = importlib.util.find_spec("scipy") is not None
    if not exact:
        print("6 matching: scipy (the bench extra) is not installed; skipping the LP optimum")
    table = []
    for r in matching.rows(quick, exact=exact):
        ratio = r.ratio
        table.append(
            Row(
                "6 matching",
                f"{r.members} members, {r.drafts} drafts: time / weight",
                f"{r.seconds:.3f} s / {r.weight}",
                "n/a" if r.optimum is None else f"LP {r.optimum_seconds or 0:.2f} s / {r.optimum}",
                "n/a" if ratio is None else f"{ratio:.4f}",
                f">= {matching.TARGET_RATIO:.0%} of optimum"
                + (f"; < {matching.TARGET_SECONDS_300:.0f} s" if r.members == 300 else ""),
                r.rules_ok
                and (ratio is None or ratio >= matching.TARGET_RATIO)
                and (r.members != 300 or r.seconds < matching.TARGET_SECONDS_300),
            )
        )
    return table


def _page(quick: bool, folder: Path) -> list[Row]:
    from bench import page

    return page.rows(quick, folder)


BENCHES: dict[str, tuple[str, Bench]] = {
    "1": ("interaction overhead", _interactions),
    "2": ("fan-out under a global rate limit", _fanout),
    "3": ("memory and start-up (3 and 4)", _processes),
    "5": ("storage", _storage),
    "6": ("matching", _matching),
    "7": ("cohort page", _page),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHES), help="benchmark numbers")
    args = parser.parse_args()
    chosen = args.only or list(BENCHES)
    table: list[Row] = []
    broken = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for number in chosen:
            name, bench = BENCHES[number]
            began = time.perf_counter()
            print(f"running {number}: {name} ...", flush=True)
            try:
                table += bench(args.quick, Path(folder))
            except Exception:
                traceback.print_exc()
                broken.append(number)
                table.append(Row(number, f"{name}: did not run", "", "", "", "", False))
            print(f"  done in {time.perf_counter() - began:.1f} s", flush=True)
    print()
    print(render(table))
    print(f"\n{len(chosen)} benchmark(s) in {time.perf_counter() - started:.0f} s", end="")
    print(" (quick: sizes are small; the numbers are not judged)" if args.quick else "")
    if broken:
        print(f"could not run: {', '.join(broken)}")
        return 1
    if not args.quick and any(r.met is False for r in table):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
