"""What every benchmark needs: a fresh database, a ``veracity serve`` subprocess, CPU and memory
readings of processes from ``/proc``, a description of the machine, and result files.

The benchmarks run the server exactly as an operator would (``veracity migrate``, then
``veracity serve`` as a separate process) and set up accounts and projects in-process through
the services, which is what the CLI does too, only without a process start per user.
"""

from __future__ import annotations

import hashlib
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import veracity
from veracity.domain.caller import Caller
from veracity.services import Services, build_services
from veracity.settings import Settings
from veracity.storage.db import open_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PROFILES = RESULTS / "profiles"  # large; kept out of git by bench/.gitignore
VERACITY = Path(sys.executable).parent / "veracity"
PG_ADMIN_URL = os.environ.get(
    "VERACITY_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# One database per run, so that two runs at once (two engineers, one machine) cannot drop
# each other's database.
PG_BENCH_DB = f"veracity_bench_{os.getpid()}"
CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1


# -- the machine ---------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, cores, memory and load: what a reader needs to compare figures."""
    model = "unknown"
    mhz = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and model == "unknown":
            model = line.split(":", 1)[1].strip()
        elif line.startswith("cpu MHz") and not mhz:
            mhz = line.split(":", 1)[1].strip()
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "cpu": model,
        "cpu_mhz": mhz,
        "cores": NCPU,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "code": code_version(),
    }


def code_version() -> dict[str, Any]:
    """Which Veracity was measured: its source directory, and the git commit and whether the
    work tree had uncommitted changes (a hash of the diff tells two dirty trees apart)."""
    source = Path(veracity.__file__).resolve().parent.parent
    found: dict[str, Any] = {"source": str(source), "version": veracity.__version__}
    git = ["git", "-C", str(source)]
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=False)
    if head.returncode == 0:
        diff = subprocess.run(
            [*git, "diff", "HEAD", "--", "."], capture_output=True, check=False
        ).stdout
        found["commit"] = head.stdout.strip()
        found["uncommitted_diff_sha256"] = hashlib.sha256(diff).hexdigest()[:16] if diff else None
    else:
        found["commit"] = os.environ.get("VERACITY_BENCH_COMMIT", "unknown (not a git tree)")
    return found


# -- processes -------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses; the fields start after the last ')'.
    return raw[raw.rindex(")") + 2 :].split()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (exited ones count as zero)."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def children_of(pid: int) -> list[int]:
    """Every descendant of ``pid`` (uvicorn's worker processes, for instance)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None:
                parents.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def processes_named(name: str) -> list[int]:
    """Pids whose command name is ``name`` (``postgres`` backends, for instance)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    pids.append(int(entry))
    return pids


def system_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (every core), from ``/proc/stat``."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(p) for p in parts[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def memory_kib(pid: int, key: str) -> int:
    """A ``/proc/<pid>/status`` memory figure (``VmRSS``, ``VmHWM``) in KiB; 0 if gone."""
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_memory(pid: int) -> bool:
    """Reset the process's peak RSS (``VmHWM``) to its current RSS (Linux ``clear_refs`` 5).

    This lets one long-lived server process report a peak per phase (import, then export).
    """
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class RssSampler:
    """Samples the summed RSS of a process tree every ``interval`` seconds in a thread.

    A cross-check of ``VmHWM`` (which can only be read per process), and the only peak figure
    for servers with several worker processes.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pids = [self.pid, *children_of(self.pid)]
        while not self._stop.is_set():
            total = sum(memory_kib(p, "VmRSS") for p in pids)
            self.peak_kib = max(self.peak_kib, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def pg_backend_pids(database: str) -> list[int]:
    """The PostgreSQL backends connected to ``database`` right now."""
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            rows = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}
            )
            return [int(r.pid) for r in rows]
    finally:
        admin.dispose()


def _cpu_by_pid(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds([pid]) for pid in pids}


@dataclass
class CpuMeter:
    """CPU used between ``start`` and ``stop`` by the server, the PostgreSQL backends serving
    the benchmark database, this process (the load generator) and everything else on the
    machine (other work sharing the cores, and PostgreSQL's shared background processes)."""

    server_pids: list[int]
    pg_database: str | None = None
    wall: float = 0.0
    used: dict[str, float] = field(default_factory=dict)
    _start: dict[str, float] = field(default_factory=dict)
    _pg_start: dict[int, float] = field(default_factory=dict)

    def _read(self) -> dict[str, float]:
        own = os.times()
        return {
            "server": cpu_seconds(self.server_pids),
            "load_generator": own.user + own.system,
            "machine": system_busy_seconds(),
            "wall": time.perf_counter(),
        }

    def start(self) -> None:
        """Take the first reading."""
        if self.pg_database:
            self._pg_start = _cpu_by_pid(processes_named("postgres"))
        self._start = self._read()

    def stop(self) -> None:
        """Take the second reading and compute what each part used."""
        end = self._read()
        postgres = 0.0
        if self.pg_database:
            for pid in pg_backend_pids(self.pg_database):
                postgres += cpu_seconds([pid]) - self._pg_start.get(pid, 0.0)
        self.wall = end["wall"] - self._start["wall"]
        self.used = {k: end[k] - self._start[k] for k in end if k != "wall"}
        self.used["postgres"] = postgres
        self.used["other"] = max(
            0.0,
            self.used["machine"]
            - self.used["server"]
            - self.used["postgres"]
            - self.used["load_generator"],
        )

    def cores(self) -> dict[str, float]:
        """Average cores busy per part (2.0 = both cores of this machine all the time)."""
        return {k: round(v / self.wall, 2) for k, v in self.used.items()} if self.wall else {}


# -- databases -------------------------------------------------------------------------------


def _pg_admin_engine() -> Any:
    url = Settings(database_url=PG_ADMIN_URL).resolved_database_url
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _recreate_pg(name: str) -> str:
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg(name: str) -> None:
    """Drop a benchmark database (and any connection still open to it)."""
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def server_env(settings: Settings) -> dict[str, str]:
    """The environment that points the CLI at the benchmark's database."""
    env = dict(os.environ)
    env.update(
        VERACITY_DATABASE_URL=settings.database_url,
        VERACITY_DATA_DIR=str(settings.data_dir),
        # Enough connections that no request waits for the pool at 32 annotators.
        VERACITY_DB_POOL_SIZE=env.get("VERACITY_DB_POOL_SIZE", "20"),
    )
    return env


def run_cli(settings: Settings, *args: str) -> str:
    """Run a ``veracity`` command against the benchmark database; return its stdout."""
    done = subprocess.run(
        [str(VERACITY), *args],
        env=server_env(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"veracity {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


@contextmanager
def fresh_database(kind: str) -> Iterator[Settings]:
    """A migrated, empty database: a SQLite file in a temp dir, or PostgreSQL
    ``veracity_bench_<pid>`` (recreated). Everything is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="veracity-bench-") as tmp:
        data_dir = Path(tmp)
        if kind == "sqlite":
            url = f"sqlite:///{data_dir / 'veracity.db'}"
        elif kind == "postgresql":
            url = _recreate_pg(PG_BENCH_DB)
        else:
            raise ValueError(f"unknown database {kind!r}")
        try:
            settings = Settings(database_url=url, data_dir=data_dir)
            run_cli(settings, "migrate")
            yield settings
        finally:
            if kind == "postgresql":
                drop_pg(PG_BENCH_DB)


@contextmanager
def open_services(settings: Settings) -> Iterator[Services]:
    """The services over the benchmark database, in this process."""
    db = open_database(settings)
    try:
        yield build_services(db, settings)
    finally:
        db.dispose()


@dataclass
class Workforce:
    """An organization with an owner and annotators, each with an API token."""

    owner_token: str
    owner: Caller
    annotator_tokens: list[str]


def make_workforce(services: Services, annotators: int) -> Workforce:
    """Create organization ``Bench``, its owner and ``annotators`` annotators with tokens.

    No passwords: the benchmark signs in with API tokens only, and hashing a password per
    user (argon2) would only slow the setup.
    """
    services.accounts.create_org("Bench")
    services.accounts.create_user("owner@bench.test", "Bench", "owner", None)
    owner_token = services.accounts.create_token("owner@bench.test").token
    tokens = []
    for n in range(annotators):
        email = f"annotator{n}@bench.test"
        services.accounts.create_user(email, "Bench", "annotator", None)
        tokens.append(services.accounts.create_token(email).token)
    return Workforce(owner_token, services.auth.caller_from_token(owner_token), tokens)


def text_records(
    n: int, prefix: str = "item", *, external_ids: bool = True
) -> Iterator[dict[str, Any]]:
    """``n`` short text items (about 60 bytes of text each), with external ids by default."""
    for i in range(n):
        record: dict[str, Any] = {
            "data": {"text": f"Review {i}: the product arrived on time and works as described."}
        }
        if external_ids:
            record["external_id"] = f"{prefix}-{i}"
        yield record


# -- the server ------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``veracity serve`` as a subprocess; stopped (with its workers) when the block ends."""

    def __init__(self, settings: Settings, workers: int = 1) -> None:
        self.settings = settings
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(settings.data_dir) / f"server-{self.port}.log"

    def __enter__(self) -> Server:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(VERACITY), "serve", "--port", str(self.port), "--workers", str(self.workers)],
                env=server_env(self.settings),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("server did not answer /healthz within 60 s")
            with (
                suppress(OSError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as r,  # noqa: S310
            ):
                if r.status == 200 and self._workers_up():
                    return self
            time.sleep(0.1)

    def _workers_up(self) -> bool:
        return self.workers == 1 or len(self.worker_pids()) >= self.workers

    @property
    def pid(self) -> int:
        """The main server process."""
        assert self.proc is not None
        return self.proc.pid

    def worker_pids(self) -> list[int]:
        """Processes that serve requests: the main one alone, or uvicorn's workers."""
        if self.workers == 1:
            return [self.pid]
        # uvicorn's supervisor starts workers through multiprocessing, which may also start
        # its resource tracker: that one serves nothing.
        return [p for p in children_of(self.pid) if b"resource_tracker" not in _cmdline(p)]

    def all_pids(self) -> list[int]:
        """The server and every process it started."""
        return [self.pid, *children_of(self.pid)]

    def stop(self) -> None:
        """Ask the server to stop (SIGTERM), and kill it if it does not within 30 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in self.all_pids():
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __exit__(self, *_exc: object) -> None:
        self.stop()
        self._keep_log()

    def _keep_log(self) -> None:
        """Copy the server's log out of the temp dir when it holds warnings or tracebacks."""
        log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        if any(word in log for word in ("Traceback", "ERROR", "WARNING")):
            PROFILES.mkdir(parents=True, exist_ok=True)
            kept = PROFILES / f"server-{self.port}.log"
            kept.write_bytes(self.log_path.read_bytes())
            print(f"server log kept in {kept}", file=sys.stderr)


# -- results ---------------------------------------------------------------------------------


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write ``bench/results/<name>.json`` (the latest run of a configuration)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2) + b"\n")
    return path


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of already sorted values, nearest-rank; 0 for no values."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
