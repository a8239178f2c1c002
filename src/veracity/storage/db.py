"""The database: engine creation with the right pragmas, and transactions.

SQLite runs in WAL mode with one writer at a time: write transactions start with
``BEGIN IMMEDIATE`` so that a read-then-write (leasing an item) holds the write lock from its
first statement, which is what makes the queue safe on SQLite without Python-side locks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

from veracity.settings import Settings

_BEGIN_OPTION = "veracity_sqlite_begin"


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_db_engine(settings: Settings, *, pool: bool = True) -> Engine:
    """An engine for ``settings.database_url``, with SQLite pragmas or PostgreSQL pooling."""
    url = settings.resolved_database_url
    common: dict[str, Any] = {"json_serializer": _dumps, "json_deserializer": orjson.loads}
    if not pool:
        common["poolclass"] = NullPool
    else:
        # A fixed pool: overflow connections would be opened and closed under every burst,
        # and a new PostgreSQL connection costs milliseconds of CPU on both sides. Requests
        # beyond the pool wait for a connection instead.
        common.update(pool_size=settings.db_pool_size, max_overflow=0, pool_timeout=60)
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **common
        )
        _configure_sqlite(engine, settings.sqlite_synchronous.value)
        return engine
    return create_engine(url, **common)


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred only).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """Hands out transactions. Services own them; query functions never commit."""

    def __init__(self, engine: Engine, sqlite_synchronous: str = "FULL") -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._sqlite_synchronous = sqlite_synchronous
        # SQLite admits one writer; the others retry in its busy handler with growing sleeps,
        # which makes the slowest waits seconds long under load. Writers of this process
        # queue here instead, in order. Correctness does not rest on this lock (BEGIN
        # IMMEDIATE does that, also across processes); only the waiting does.
        self._sqlite_writer = threading.RLock()

    @property
    def is_postgresql(self) -> bool:
        """Whether this is PostgreSQL (row locks, SKIP LOCKED)."""
        return self.dialect == "postgresql"

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Connection]:
        """A read-write transaction, committed when the block ends without an error.

        ``durable=False`` is for changes that may be lost in a crash of the database machine
        without losing anyone's work (a lease, an expiry sweep): their commit does not wait
        for the disk. Visibility is unchanged, and the next durable commit flushes them too,
        because the log is written in order. That halves the disk flushes of the queue.
        """
        with ExitStack() as stack:
            if self.dialect == "sqlite":
                stack.enter_context(self._sqlite_writer)
            plain = stack.enter_context(self.engine.connect())
            conn = plain
            if self.dialect == "sqlite":
                conn = plain.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
                if not durable:
                    self._sqlite_pragma(plain, "NORMAL")
            try:
                with conn.begin():
                    if not durable and self.is_postgresql:
                        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                    yield conn
            finally:
                if not durable and self.dialect == "sqlite":
                    self._sqlite_pragma(plain, self._sqlite_synchronous)

    @staticmethod
    def _sqlite_pragma(conn: Connection, level: str) -> None:
        # Straight to the driver: through SQLAlchemy the statement would open a transaction,
        # and the level must be set outside one.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute(f"PRAGMA synchronous={level}")

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read-only transaction; with ``snapshot`` every statement sees the same data.

        SQLite transactions are snapshots already; PostgreSQL needs REPEATABLE READ.
        """
        with self.engine.connect() as plain:
            conn = plain
            if snapshot and self.is_postgresql:
                conn = plain.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(settings: Settings) -> Database:
    """The database for ``settings``, with a pooled engine."""
    return Database(create_db_engine(settings), settings.sqlite_synchronous.value)
