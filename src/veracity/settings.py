"""One typed settings object, read once from ``VERACITY_*`` variables and passed down.

Nothing here is read at import time elsewhere: ``create_app(settings)`` and the CLI build a
``Settings`` and hand it to whatever needs it, so tests build their own instead of patching.
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class Environment(StrEnum):
    """Where Veracity runs; production refuses unsafe settings."""

    development = "development"
    production = "production"


class SqliteSynchronous(StrEnum):
    """SQLite's ``PRAGMA synchronous`` levels that are safe with WAL."""

    normal = "NORMAL"
    full = "FULL"


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "veracity"


class Settings(BaseSettings):
    """Every setting Veracity reads. Each field is documented in ``docs/settings.md``."""

    model_config = SettingsConfigDict(env_prefix="VERACITY_", extra="ignore", frozen=True)

    environment: Environment = Field(
        Environment.development,
        description="`development` or `production`; production refuses unsafe settings.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Directory for the SQLite database, the generated secret key and media.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database; empty means a SQLite file in the data dir. "
        "`postgresql://user@host/db` selects PostgreSQL (driver psycopg 3).",
    )
    secret_key: str = Field(
        "",
        description="Key that signs sign-in form tokens and encrypts identity providers' "
        "client secrets (changing it means setting those again). Empty: generated on first "
        "start and kept in `<data_dir>/secret_key`. Set the same value on every server of a "
        "cluster.",
    )
    cookie_secure: bool = Field(
        False,
        description="Send cookies only over HTTPS. Required in production.",
    )
    session_hours: int = Field(
        12, ge=1, le=24 * 30, description="How long a web sign-in lasts, in hours."
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest request body accepted by any endpoint except item import (413).",
    )
    max_import_bytes: int = Field(
        2 * 1024 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted by item import (413 beyond it).",
    )
    max_json_depth: int = Field(
        32,
        ge=4,
        le=512,
        description="Deepest nesting accepted in JSON request bodies and in an imported "
        "item's `data` and `meta` (422).",
    )
    sign_in_slow_after: int = Field(
        3, ge=1, description="Failed sign-ins for one account before each answer is delayed."
    )
    sign_in_refuse_after: int = Field(
        10, ge=2, description="Failed sign-ins for one account before sign-in is refused."
    )
    sign_in_window_minutes: int = Field(
        15, ge=1, description="Window over which failed sign-ins are counted and refused."
    )
    sqlite_synchronous: SqliteSynchronous = Field(
        SqliteSynchronous.full,
        description="SQLite `synchronous` pragma (WAL mode). FULL survives power loss; "
        "NORMAL survives a process crash but may lose the last commits on power loss.",
    )
    redis_url: str = Field(
        "",
        description="Redis URL (`redis://host:6379/0`) of the job queue shared with "
        "`veracity worker` processes. Empty: jobs run on a thread inside each server process.",
    )
    db_pool_size: int = Field(
        10,
        ge=1,
        le=200,
        description="Database connections each server process keeps open (and never "
        "exceeds); size PostgreSQL's max_connections for all processes together.",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment is Environment.production:
            if not self.cookie_secure:
                raise ValueError("VERACITY_COOKIE_SECURE must be true in production")
            if not self.secret_key:
                raise ValueError(
                    "VERACITY_SECRET_KEY must be set in production "
                    "(every server of a cluster needs the same one)"
                )
        if self.sign_in_refuse_after <= self.sign_in_slow_after:
            raise ValueError("VERACITY_SIGN_IN_REFUSE_AFTER must exceed SIGN_IN_SLOW_AFTER")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL with the SQLite default and the psycopg 3 driver filled in."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'veracity.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (one writer at a time)."""
        return self.resolved_database_url.startswith("sqlite")

    def ensure_secret_key(self) -> str:
        """The configured key, or the one kept in the data dir (generated on first start)."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / _SECRET_FILE
        if not path.exists():
            # O_EXCL so that two processes starting together agree on one key; created with
            # mode 0600 rather than chmod-ed after, so it is never readable by others at all.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(secrets.token_urlsafe(48))
        return path.read_text(encoding="ascii").strip()
