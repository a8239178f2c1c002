"""Fixtures: a real database (a SQLite file and PostgreSQL), a real server over real HTTP.

Every test that asks for ``settings`` (or anything built on it) runs twice: on SQLite and on
PostgreSQL. PostgreSQL tests skip with a reason when no server is reachable, except when
``CI=true``, where a missing PostgreSQL fails the run instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.factories.accounts import Org, make_org
from veracity.app import create_app
from veracity.client import Client
from veracity.services import Services, build_services
from veracity.settings import Settings
from veracity.storage import schema
from veracity.storage.db import create_db_engine, open_database
from veracity.storage.tables import metadata

CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get(
    "VERACITY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


def _worker() -> str:
    # The process id keeps two test runs on one machine from dropping each other's database.
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


def _pg_reachable() -> str | None:
    url = make_url(PG_ADMIN_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=2):
            return None
    except OSError as exc:
        return f"PostgreSQL not reachable at {url.host}:{url.port} ({exc})"


@dataclass
class Backend:
    """A migrated database for this test session, emptied before each test."""

    name: str
    url: str
    data_dir: Path

    def settings(self, data_dir: Path, **overrides: object) -> Settings:
        return Settings(database_url=self.url, data_dir=data_dir, **overrides)  # type: ignore[arg-type]

    def empty(self) -> None:
        engine = create_engine(Settings(database_url=self.url).resolved_database_url)
        try:
            with engine.begin() as conn:
                tables = [t.name for t in reversed(metadata.sorted_tables)]
                if self.name == "postgresql":
                    conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                else:
                    for table in tables:
                        conn.execute(text(f"DELETE FROM {table}"))
        finally:
            engine.dispose()


def _pg_database(name: str) -> str:
    admin = create_engine(
        Settings(database_url=PG_ADMIN_URL).resolved_database_url, isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(
        Settings(database_url=PG_ADMIN_URL).resolved_database_url, isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """A migrated database of each kind, created once per session (and dropped after)."""
    data_dir = tmp_path_factory.mktemp(f"db-{request.param}")
    if request.param == "postgresql":
        problem = _pg_reachable()
        if problem:
            if CI:
                pytest.fail(f"CI=true but {problem}")
            pytest.skip(problem)
        url = _pg_database(f"veracity_test_{_worker()}")
    else:
        url = f"sqlite:///{data_dir / 'veracity.db'}"
    engine = create_db_engine(Settings(database_url=url, data_dir=data_dir), pool=False)
    try:
        schema.upgrade(engine)
    finally:
        engine.dispose()
    yield Backend(request.param, url, data_dir)
    if request.param == "postgresql":
        _drop_pg_database(url)


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    """Settings over an empty database of the current backend."""
    backend.empty()
    return backend.settings(tmp_path)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """The services over the test database, as the app would build them."""
    db = open_database(settings)
    yield build_services(db, settings)
    db.dispose()


class LiveServer:
    """A uvicorn server in a thread, answering real HTTP on 127.0.0.1."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.clients: list[Client] = []

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.server.should_exit = True
        self.thread.join(timeout=20)

    def client(self, token: str | None = None) -> Client:
        """An SDK client as ``token``'s owner; closed when the server stops."""
        client = Client(self.url, token)
        self.clients.append(client)
        return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def make_server(settings: Settings) -> Iterator[Callable[..., LiveServer]]:
    """Start servers over the test database, optionally with other settings."""
    started: list[LiveServer] = []

    def start(**overrides: object) -> LiveServer:
        merged = settings.model_copy(update=overrides)
        live = LiveServer(create_app(merged)).start()
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


@pytest.fixture
def server(make_server: Callable[..., LiveServer]) -> LiveServer:
    """A server with the default settings."""
    return make_server()


@pytest.fixture
def org(services: Services) -> Org:
    """An organization with an owner, an admin, a manager, a reviewer and two annotators."""
    return make_org(services, "Acme")


@pytest.fixture
def other_org(services: Services) -> Org:
    """A second organization, to prove nothing crosses between them."""
    return make_org(services, "Globex")
