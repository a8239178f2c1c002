"""``veracity jobs run|list`` and ``veracity worker`` (on a real Redis when one is installed)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _free_port
from tests.factories.crowd import crowd_org
from tests.factories.processes import VERACITY, environment, run_cli
from tests.factories.projects import SENTIMENT, texts
from veracity.domain.caller import Caller
from veracity.jobs import JobQueue
from veracity.services import Services
from veracity.settings import Settings

REDIS_SERVER = shutil.which("redis-server")


def _project(services: Services) -> tuple[int, Caller]:
    org, _ = crowd_org(services, 0)
    owner = services.auth.caller_from_token(org.owner.token)
    flow = {"overlap": 3, "refit_after": None, "truth_method": "one_coin"}
    project = services.projects.create(owner, "cli", SENTIMENT, flow)
    services.items.import_records(owner, project.id, texts(10))
    records = [
        {"external_id": f"item-{n}", "worker": w, "value": {"sentiment": v}}
        for n in range(10)
        for w, v in (("a", "pos"), ("b", "pos" if n % 3 else "neg"), ("c", "neg"))
    ]
    services.annotation_import.import_records(owner, project.id, records)
    return project.id, owner


def test_jobs_run_and_list(settings: Settings, services: Services) -> None:
    project_id, _ = _project(services)
    ran = run_cli(settings, "jobs", "run", "resolve", "--project", str(project_id))
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr
    assert "done: 30 annotations, 10 items resolved again; methods sentiment: one_coin" in (
        ran.stderr.replace("\n", " ")
    )
    listed = run_cli(settings, "jobs", "list", "--project", str(project_id))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[1:4] == ["resolve", "done", "11/11\n"]
    missing = run_cli(settings, "jobs", "run", "resolve", "--project", "999999")
    assert missing.returncode == 1
    assert "project 999999 not found" in missing.stderr
    no_redis = run_cli(settings, "worker")
    assert no_redis.returncode == 2
    assert "VERACITY_REDIS_URL" in no_redis.stderr


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throwaway Redis server on a free local port."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)]
    process = subprocess.Popen(
        [REDIS_SERVER, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_redis_worker_runs_jobs_queued_by_the_server(
    settings: Settings, services: Services, redis_url: str, tmp_path: Path
) -> None:
    project_id, owner = _project(services)
    with_redis = settings.model_copy(update={"redis_url": redis_url})
    queue = JobQueue(with_redis, services)
    queue.start()  # as a server process: enqueue only, no consumer thread
    assert not queue.embedded
    job = services.jobs.request(owner, project_id, "resolve")
    log = tmp_path / "worker.log"
    with log.open("w") as sink:
        worker = subprocess.Popen(
            [VERACITY, "worker"], env=environment(with_redis), stdout=sink, stderr=sink
        )
    try:
        deadline = time.monotonic() + 60
        while (state := services.jobs.get(owner, job.id).state) in ("queued", "running"):
            assert time.monotonic() < deadline, "the worker did not run the job"
            assert worker.poll() is None, log.read_text()
            time.sleep(0.05)  # polling the job's record, as a person watching it would
        assert state == "done"
    finally:
        queue.stop()
        worker.terminate()
        worker.wait(timeout=20)
