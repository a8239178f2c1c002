"""Background jobs: the queue that carries job ids to the workers that run them."""

from veracity.jobs.queue import JobQueue

__all__ = ["JobQueue"]
