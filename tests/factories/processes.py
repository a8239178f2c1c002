"""Real ``veracity`` processes: the CLI and ``veracity serve``, started as a user would.

The environment of every process is built from the test's ``Settings``, so a subprocess talks
to exactly the database (and data directory, secret key, ...) that the test's own fixtures
use. Output goes to files, not pipes, so that a chatty server can never block on a full pipe;
what it wrote to stderr is shown when it fails to start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import httpx

from veracity.client import Client
from veracity.settings import Settings

# The console script installed next to the interpreter running the tests (``.venv/bin``):
# the same entry point a user runs, not a Python-level shortcut into the Typer app.
VERACITY = str(Path(sys.executable).parent / "veracity")
START_SECONDS = 30.0
STOP_SECONDS = 15.0


def environment(settings: Settings) -> dict[str, str]:
    """The process environment that makes ``veracity`` read ``settings``.

    Every field is passed as its ``VERACITY_*`` variable (and any inherited ``VERACITY_*``
    variable is dropped), so nothing from the developer's shell leaks into a test. The secret
    key is the one the tests' own app would use, so signed form tokens agree across processes.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERACITY_")}
    for name, value in settings.model_dump().items():
        env[f"VERACITY_{name.upper()}"] = _env_value(value)
    env["VERACITY_SECRET_KEY"] = settings.ensure_secret_key()
    # Rich draws for an 80-column terminal when it cannot ask the real one; fix the width so
    # that tables and messages do not wrap differently from one machine to the next.
    env["COLUMNS"] = "120"
    return env


def _env_value(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def run_cli(
    settings: Settings, *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``veracity ARGS`` to completion against ``settings``' database."""
    return subprocess.run(
        [VERACITY, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(settings),
        timeout=timeout,
        check=False,
    )


def run_cli_together(
    settings: Settings, *calls: Sequence[str], timeout: float = 60
) -> list[subprocess.CompletedProcess[str]]:
    """Run several independent ``veracity`` commands at once; their results in call order.

    Most of a command's time is Python starting up, so commands that do not depend on each
    other's results are started side by side. (They also meet at the database, as two
    operators' commands would.)
    """
    env = environment(settings)
    started = [
        subprocess.Popen(
            [VERACITY, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for args in calls
    ]
    results = []
    try:
        for process, args in zip(started, calls, strict=True):
            # Outputs are a few lines each (files are written with -o), far below a pipe's
            # buffer, so the ones not yet read cannot block.
            out, err = process.communicate(timeout=timeout)
            results.append(
                subprocess.CompletedProcess([VERACITY, *args], process.returncode, out, err)
            )
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.communicate()
    return results


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """One ``veracity serve`` process on 127.0.0.1."""

    def __init__(self, settings: Settings, log_dir: Path, name: str) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = log_dir / f"{name}.stderr.log"
        self.stdout_path = log_dir / f"{name}.stdout.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.clients: list[Client] = []

    def start(self) -> ServerProcess:
        """Start the process and wait until ``GET /healthz`` answers."""
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            # The child keeps its own copies of the descriptors; ours close at once.
            self.process = subprocess.Popen(
                [VERACITY, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=environment(self.settings),
            )
        deadline = time.monotonic() + START_SECONDS
        with httpx.Client(base_url=self.url, timeout=2) as probe:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"veracity serve exited with {self.process.returncode}:\n{self.stderr()}"
                    )
                try:
                    if probe.get("/healthz").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"veracity serve did not answer within {START_SECONDS:.0f}s:\n"
                        + self.stderr()
                    )
                time.sleep(0.05)  # polling for the port to open, with the deadline above

    def stderr(self) -> str:
        """What the server wrote to stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    def client(self, token: str | None = None) -> Client:
        """An SDK client for this server; closed when the server is stopped."""
        client = Client(self.url, token)
        self.clients.append(client)
        return client

    def kill(self) -> None:
        """SIGKILL: the process dies at once, mid-request, as in a crash or an OOM kill.

        Its clients stay open (other threads may be using them; they now get connection
        errors) and are closed by :meth:`stop`.
        """
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown), then SIGKILL if it does not exit in time."""
        for client in self.clients:
            client.close()
        self.clients.clear()
        self._signal(signal.SIGTERM)

    def _signal(self, sig: signal.Signals) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(sig)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class ServerProcesses:
    """Starts ``veracity serve`` processes over one database and stops them all at the end."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.started: list[ServerProcess] = []

    def start(self) -> ServerProcess:
        """A new server process, answering already."""
        server = ServerProcess(self.settings, self.log_dir, f"serve-{len(self.started)}")
        self.started.append(server)
        return server.start()

    def stop_all(self) -> None:
        """Stop every process that is still running."""
        for server in self.started:
            server.stop()


@contextmanager
def server_processes(settings: Settings, log_dir: Path) -> Iterator[ServerProcesses]:
    """``ServerProcesses`` that are always stopped, whatever the test did."""
    servers = ServerProcesses(settings, log_dir)
    try:
        yield servers
    finally:
        servers.stop_all()
