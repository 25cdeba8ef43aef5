"""Delivery-promise benchmark: how long one estimate takes, and how it grows with the shop and its load.

    python -m bench.promise_bench [--repeats 15] [--profile] [--report bench/PROMISE_REPORT.md]

The shop comes from ``bench.synthetic_shop`` (deterministic). Measured: ``promise()`` wall time for a
20-line order over 2,000 items, 30 work centres and 500 open MOs (median and p90 over repeated runs after
one warm-up), then the same order while varying one dimension: items (500 ... 4,000), open MOs (100 ...
1,000) and order lines (1 ... 40). Building the snapshot is not timed: the engine receives it ready.
Prints markdown tables and writes the report; when the main median is over ``--slow`` seconds (or with
``--profile``) the report also gets a cProfile of one estimate, grouped by engine function.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.synthetic_shop import NOW, build_shop, describe, horizon, order_lines
from connectors.inventory import InventorySnapshot
from hub.promise import OrderLine, OrderPromise, Policy, promise

REPORT = Path(__file__).with_name("PROMISE_REPORT.md")
POLICY = Policy(packing_days=1, transit_business_days=2, lot_splitting=True)


@dataclass(frozen=True)
class Run:
    """Timings of one configuration, in seconds."""

    label: str
    sizes: str
    times: tuple[float, ...]
    result: OrderPromise

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p90(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]

    def row(self) -> str:
        ops = sum(len(line.operations) for line in self.result.lines)
        return (
            f"| {self.label} | {_ms(self.median)} | {_ms(self.p90)} | {_ms(min(self.times))} | "
            f"{len(self.times)} | {ops} | {self.result.delivery_date} |"
        )


HEADER = (
    "| configuration | median | p90 | min | runs | ops scheduled | delivery |\n"
    "|---|---:|---:|---:|---:|---:|---|"
)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def measure(
    label: str, snap: InventorySnapshot, lines: Sequence[OrderLine], repeats: int, budget: float
) -> Run:
    """Warm up once, then run up to ``repeats`` times (fewer if the runs would exceed ``budget`` s)."""
    start = time.perf_counter()
    result = promise(snap, lines, now=NOW, policy=POLICY)
    first = time.perf_counter() - start
    count = max(3, min(repeats, int(budget / max(first, 1e-6))))
    times = []
    for _ in range(count):
        gc.collect()
        start = time.perf_counter()
        again = promise(snap, lines, now=NOW, policy=POLICY)
        times.append(time.perf_counter() - start)
        assert again == result, "the engine is not deterministic"
    return Run(label, describe(snap), tuple(times), result)


def growth(runs: Sequence[Run], sizes: Sequence[int]) -> str:
    """Least-squares slope of log(time) on log(size): 1.0 is linear, 2.0 quadratic."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(r.median) for r in runs]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return (
        f"time ~ size^{slope:.2f} ({runs[-1].median / runs[0].median:.1f}x for {sizes[-1] / sizes[0]:.0f}x)"
    )


def machine() -> str:
    model = "unknown CPU"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, load average at start {' / '.join(f'{x:.2f}' for x in load)}"
    )


def profile(snap: InventorySnapshot, lines: Sequence[OrderLine], top: int = 25) -> str:
    """cProfile of one estimate: the heaviest functions by own time and by cumulative time."""
    prof = cProfile.Profile()
    prof.enable()
    promise(snap, lines, now=NOW, policy=POLICY)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"promise|inventory", top)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--budget", type=float, default=8.0, help="seconds of timed runs per configuration")
    parser.add_argument("--profile", action="store_true", help="always add a cProfile to the report")
    parser.add_argument("--slow", type=float, default=1.0, help="profile when the main median exceeds this")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    host = machine()
    print(f"machine: {host}", file=sys.stderr)

    def case(label: str, items: int, mos: int, n_lines: int = 20) -> Run:
        snap = build_shop(items=items, mos=mos)
        run = measure(label, snap, order_lines(snap, n_lines), args.repeats, args.budget)
        print(f"{label}: median {_ms(run.median)}, p90 {_ms(run.p90)}", file=sys.stderr)
        return run

    main_snap = build_shop(items=2000, mos=500)
    main_lines = order_lines(main_snap, 20)
    main_run = measure(
        "20 lines, 2,000 items, 500 MOs", main_snap, main_lines, args.repeats * 2, args.budget * 2
    )
    print(f"main: median {_ms(main_run.median)}, p90 {_ms(main_run.p90)}", file=sys.stderr)
    item_sizes, load_sizes, line_sizes = (500, 1000, 2000, 4000), (100, 250, 500, 1000), (1, 5, 20, 40)
    by_items = [case(f"{n:,} items, 500 MOs", n, 500) for n in item_sizes]
    by_load = [case(f"2,000 items, {n:,} MOs", 2000, n) for n in load_sizes]
    by_lines = [case(f"{n} lines, 2,000 items, 500 MOs", 2000, 500, n) for n in line_sizes]

    tables = "\n\n".join(
        [
            f"### The 20-line order\n\n{HEADER}\n{main_run.row()}",
            f"### Growth with items (500 open MOs)\n\n{HEADER}\n"
            + "\n".join(r.row() for r in by_items)
            + f"\n\n{growth(by_items, item_sizes)}",
            f"### Growth with load (2,000 items)\n\n{HEADER}\n"
            + "\n".join(r.row() for r in by_load)
            + f"\n\n{growth(by_load, load_sizes)}",
            f"### Growth with order lines (2,000 items, 500 MOs)\n\n{HEADER}\n"
            + "\n".join(r.row() for r in by_lines)
            + f"\n\n{growth(by_lines, line_sizes)}",
        ]
    )
    print(tables)
    result = main_run.result
    profiled = ""
    if args.profile or main_run.median > args.slow:
        profiled = profile(main_snap, main_lines)
        print(profiled, file=sys.stderr)
    args.report.write_text(
        report(host, main_run, tables, result, main_snap, profiled, args.slow), encoding="utf-8"
    )
    print(f"wrote {args.report}", file=sys.stderr)
    return 0


def report(
    host: str,
    main_run: Run,
    tables: str,
    result: OrderPromise,
    snap: InventorySnapshot,
    prof: str,
    slow: float,
) -> str:
    verdict = (
        f"**{_ms(main_run.median)} median** ({_ms(main_run.p90)} p90) for the 20-line order: "
        + ("within" if main_run.median <= slow else "OVER")
        + f" the {slow:g} s target."
    )
    lines = [
        "# Delivery-promise benchmark",
        "",
        "Generated by `python -m bench.promise_bench` (do not edit the figures by hand; re-run it).",
        "",
        f"- Machine: {host}. Other work may share the machine: compare medians, not single runs.",
        f"- Shop (`bench/synthetic_shop.py`, seed 7): {main_run.sizes}; load booked until {horizon(snap)}.",
        f"- Policy: {POLICY}.",
        f"- Result of the 20-line order: delivery {result.delivery_date}, ship complete "
        f"{result.ship_complete_date}, constraint {result.constraint.kind}: "
        f"{result.constraint.description!r}, confidence {result.confidence.level}.",
        "",
        verdict,
        "",
        tables,
        "",
        "## Reading the figures",
        "",
        INTERPRETATION,
    ]
    if prof:
        lines += ["", "## Profile of one 20-line estimate (cProfile)", "", "```", prof.strip(), "```"]
    return "\n".join(lines) + "\n"


# Written after looking at the figures (2-core AMD EPYC shared with other work, November 2026); kept here
# so a re-run regenerates the whole report. Re-read it if the engine changes.
INTERPRETATION = """\
- **Fast enough by two orders of magnitude.** A 20-line order that books ~60 operations over a shop
  whose cutting tables are booked ~7 weeks out takes ~10-16 ms (target: 1 s), on one core of a 2-core
  machine that other jobs were using (load average ~2.5): compare the min column when medians disagree.
  `promise()` is pure CPU in one thread; the second core is idle.
- **Items: flat** (within noise from 500 to 4,000). The engine indexes stock, supply and demand per SKU
  in one pass (`AtpLedger.__init__`, ~2 ms at 2,000 items) and builds ATP profiles and work-centre lanes
  lazily, only for the SKUs and work centres the order touches. Rows differ mainly because a different
  shop draws different order lines (see "ops scheduled").
- **Load: sub-linear** (~size^0.45). Lanes are built per touched work centre (a sort of its loads) and a
  free slot is found by bisecting the lane's busy intervals, so 10x the open MOs costs ~3x, most of it
  the calendar walk to a horizon that moves from late December to late February.
- **Lines: roughly linear in operations booked** (~0.15-0.25 ms per scheduled operation, including
  its BOM explosion and ATP takes); stock-only lines cost almost nothing.
- **Where the time goes** (cProfile below): calendar arithmetic (`WorkingCalendar.intervals_from`,
  `add_working_micros`, `next_working_instant`, `astimezone`) is the largest share, then the ATP index
  and lane building. Nothing needs optimising now; if it ever does, cache each calendar's working
  intervals per local day (`intervals_from` runs ~3,000 times for ~60 operations)."""


if __name__ == "__main__":
    raise SystemExit(main())
