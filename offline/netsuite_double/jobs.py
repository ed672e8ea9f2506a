"""Asynchronous requests (``Prefer: respond-async``): jobs, their one task, and the stored result.

Oracle (docs/reference/netsuite.md §1.7.3, O:subsect_161278579295): the request is answered
``202 Accepted`` with ``Preference-Applied: respond-async`` and ``Location: …/async/v1/job/<id>``;
``GET`` on the job, on ``…/task/<taskId>`` and on ``…/task/<taskId>/result`` report progress and
return the original HTTP response. An ``X-NetSuite-Idempotency-Key`` already used for a job is
refused with 400 ``IDEMPOTENCY_ERROR`` and the original job's ``Location`` (O:subsect_164494900632).
The double runs the request at once, so every job it reports is complete.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

ASYNC_PATH = "/services/rest/async/v1/job"


@dataclass(frozen=True)
class Job:
    id: str
    task_id: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def progress(self) -> str:
        return "succeeded" if self.status < 400 else "failed"


class Jobs:
    """In-memory jobs (like bearer tokens, they do not outlive the double)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: Held while a request with an idempotency key runs, so two requests with one key
        #: can never both run: the second waits, then finds the first one's job.
        self.keyed = threading.Lock()
        self._ids = itertools.count(1)
        self._jobs: dict[str, Job] = {}
        self._by_key: dict[str, str] = {}

    def by_key(self, key: str | None) -> Job | None:
        if not key:
            return None
        with self._lock:
            job_id = self._by_key.get(key)
            return self._jobs.get(job_id) if job_id else None

    def add(self, status: int, headers: dict[str, str], body: bytes, key: str | None) -> Job:
        with self._lock:
            number = next(self._ids)
            job = Job(str(number), str(number), status, dict(headers), body)
            self._jobs[job.id] = job
            if key:
                self._by_key[key] = job.id
            return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)


def job_url(base_url: str, job: Job) -> str:
    return f"{base_url}{ASYNC_PATH}/{job.id}"


def job_body(base_url: str, job: Job) -> dict[str, Any]:
    href = job_url(base_url, job)
    return {
        "links": [{"rel": "self", "href": href}],
        "completed": True,
        "id": job.id,
        "progress": job.progress,
        "task": {"links": [{"rel": "related", "href": f"{href}/task"}]},
    }


def tasks_body(base_url: str, job: Job) -> dict[str, Any]:
    href = f"{job_url(base_url, job)}/task"
    return {
        "links": [{"rel": "self", "href": href}],
        "count": 1,
        "hasMore": False,
        "offset": 0,
        "totalResults": 1,
        "items": [{"links": [{"rel": "self", "href": f"{href}/{job.task_id}"}], "id": job.task_id}],
    }


def task_body(base_url: str, job: Job) -> dict[str, Any]:
    href = f"{job_url(base_url, job)}/task/{job.task_id}"
    return {
        "links": [{"rel": "self", "href": href}],
        "completed": True,
        "id": job.task_id,
        "progress": job.progress,
        "result": {"links": [{"rel": "related", "href": f"{href}/result"}]},
    }
