"""The HTTP ceiling: how many requests per second ``veracity serve`` answers when a request
does no work at all (``GET /healthz``: the middleware stack, routing, one thread-pool hop,
a JSON body; no database), with the same load generator as the annotator loop.

An annotator cycle is two requests, so half of this figure bounds the cycles per second that
any database work could reach with the current HTTP stack and worker count.

    .venv/bin/python bench/http_ceiling.py --connections 32 --seconds 10 --workers 1,2
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

import aiohttp

from annotator_loop import run_async
from harness import (
    CpuMeter,
    Server,
    fresh_database,
    machine,
    markdown_table,
    percentile,
    write_results,
)


async def hammer(url: str, connections: int, seconds: float, meter: CpuMeter) -> list[float]:
    """GET ``url`` from ``connections`` loops for ``seconds`` after a 1 s warm-up."""
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        measure_from = start + 1.0
        stop_at = measure_from + seconds

        async def loop() -> None:
            while (t0 := time.perf_counter()) < stop_at:
                async with session.get(url) as response:
                    await response.read()
                t1 = time.perf_counter()
                if t1 >= measure_from:
                    latencies.append((t1 - t0) * 1000)

        tasks = [asyncio.create_task(loop()) for _ in range(connections)]
        await asyncio.sleep(measure_from - time.perf_counter())
        meter.start()
        await asyncio.sleep(stop_at - time.perf_counter())
        meter.stop()
        await asyncio.gather(*tasks)
    return latencies


def main() -> None:
    """Measure each worker count, print a table and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", default="1,2", help="server processes, e.g. 1,2")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with fresh_database("sqlite") as settings:
        for workers in (int(w) for w in args.workers.split(",")):
            with Server(settings, workers) as server:
                meter = CpuMeter(server.all_pids())
                latencies = sorted(
                    run_async(
                        hammer(f"{server.url}/healthz", args.connections, args.seconds, meter)
                    )
                )
            rows.append(
                {
                    "workers": workers,
                    "connections": args.connections,
                    "requests_per_second": round(len(latencies) / meter.wall),
                    "p50_ms": round(percentile(latencies, 0.5), 2),
                    "p99_ms": round(percentile(latencies, 0.99), 2),
                    "cpu_cores": meter.cores(),
                }
            )
            print(rows[-1], file=sys.stderr)
    if not args.no_save:
        write_results(
            "http_ceiling",
            {
                "benchmark": "http_ceiling",
                "command": " ".join(["bench/http_ceiling.py", *sys.argv[1:]]),
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "machine": machine(),
                "runs": rows,
            },
        )
    print(
        markdown_table(
            [
                "workers",
                "connections",
                "requests/s",
                "p50 / p99 ms",
                "cores: server / loadgen / other",
            ],
            [
                [
                    r["workers"],
                    r["connections"],
                    r["requests_per_second"],
                    f"{r['p50_ms']} / {r['p99_ms']}",
                    f"{r['cpu_cores']['server']} / {r['cpu_cores']['load_generator']} / "
                    f"{r['cpu_cores']['other']}",
                ]
                for r in rows
            ],
        )
    )


if __name__ == "__main__":
    main()
