"""Fixtures for tests that run ``veracity serve`` as separate processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories.processes import ServerProcesses, server_processes
from veracity.settings import Settings


@pytest.fixture
def serve(settings: Settings, tmp_path: Path) -> Iterator[ServerProcesses]:
    """Starts ``veracity serve`` processes over the test database; all stopped afterwards."""
    logs = tmp_path / "logs"
    logs.mkdir()
    with server_processes(settings, logs) as servers:
        yield servers
