"""The job queue, on huey: in-process by default, on Redis when ``VERACITY_REDIS_URL`` is set.

The queue only carries job ids; the ``jobs`` table is the record (``services/jobs.py``), and a
job is claimed there before it runs, so a job handed out twice still runs once. That makes a
lost queue harmless: every worker starting up hands the queued jobs of the table to the queue
again (an in-process queue is lost with its process; a job queued where no worker listens,
from the command line say, waits for the next one).

- **Embedded** (no Redis): a ``MemoryHuey`` and one consumer thread inside each server
  process (:meth:`JobQueue.start`), stopped with the server. A job still running then goes
  back to the queue, its work discarded, and runs again at the next start.
- **Redis**: server processes only enqueue; ``veracity worker`` processes, on any machine,
  consume (:meth:`JobQueue.run_worker`, huey's own consumer with its signal handling).
"""

from __future__ import annotations

import logging
import threading

from huey import Huey, MemoryHuey, RedisHuey

from veracity.services import Services
from veracity.settings import Settings

log = logging.getLogger(__name__)

TASK = "veracity.run_job"
IDLE_WAIT_SECONDS = 1.0


class JobQueue:
    """Hands job ids to workers, and runs them when this process is a worker."""

    def __init__(self, settings: Settings, services: Services) -> None:
        self.services = services
        self.redis_url = settings.redis_url
        self.huey: Huey
        if self.redis_url:
            self.huey = RedisHuey("veracity", results=False, url=self.redis_url)
        else:
            self.huey = MemoryHuey("veracity", results=False)
        self._task = self.huey.task(name=TASK)(self._run)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def embedded(self) -> bool:
        """Whether jobs run inside this process (no Redis)."""
        return not self.redis_url

    def _run(self, job_id: int) -> None:
        self.services.jobs.run(job_id, stop=self._stop)

    def dispatch(self, job_id: int) -> None:
        """Queue a job for a worker."""
        self._task(job_id)
        self._wake.set()

    def refill(self) -> int:
        """Queue every job the table says is queued (a new worker's first step)."""
        pending = self.services.jobs.queued()
        for job_id in pending:
            self._task(job_id)
        self._wake.set()
        return len(pending)

    # -- the server process ---------------------------------------------------------------

    def start(self) -> None:
        """Send new jobs to this queue; when embedded, also start the consumer thread."""
        self.services.jobs.attach(self.dispatch)
        if not self.embedded:
            return
        self._stop.clear()
        self.refill()
        self._thread = threading.Thread(target=self._consume, name="veracity-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the consumer thread; a job it is running goes back to the queue."""
        self.services.jobs.attach(None)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        pool = getattr(self.huey.storage, "pool", None)
        if pool is not None:  # Redis: close this process's connections
            pool.disconnect()

    def _consume(self) -> None:
        while not self._stop.is_set():
            task = self.huey.dequeue()
            if task is None:
                self._wake.wait(IDLE_WAIT_SECONDS)
                self._wake.clear()
                continue
            try:
                self.huey.execute(task)
            except Exception:  # pragma: no cover - run() records failures itself
                log.exception("job task %s failed", task.id)

    # -- a worker process (Redis) ------------------------------------------------------------

    def run_worker(self, workers: int = 1) -> None:
        """Consume jobs until stopped by a signal (``veracity worker``)."""
        self.services.jobs.attach(self.dispatch)
        self.refill()
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread")
        consumer.run()
