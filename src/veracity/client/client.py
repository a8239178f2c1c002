"""``Client``: every route of the API as a method, with the API's own wire models."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import orjson

from veracity.api.schemas.accounts import InvitationOut, MemberOut, MeOut, TokenOut
from veracity.api.schemas.items import ImportOut
from veracity.api.schemas.jobs import JobOut, TruthOut
from veracity.api.schemas.projects import ProjectOut
from veracity.api.schemas.queue import LeaseOut, ResolutionOut, SubmitOut
from veracity.api.schemas.stats import StatsOut

_IMPORT_TYPES = {
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
    ".csv": "text/csv",
}


class VeracityError(Exception):
    """An error answer from the API, with the record and field it names."""

    def __init__(self, status: int, body: Any) -> None:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        self.status = status
        self.code: str = error.get("code", "error")
        self.message: str = error.get("message", str(body))
        self.field: str | None = error.get("field")
        self.record: int | None = error.get("record")
        super().__init__(f"{status} {self.code}: {self.message}")


class Client:
    """A connection to one Veracity server as one caller."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        http: httpx.Client | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = http or httpx.Client(base_url=base_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- plumbing --------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = response.text
            raise VeracityError(response.status_code, body)
        return response

    def _json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        if body is not None:
            kwargs["content"] = orjson.dumps(body)
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        response = self._call(method, path, **kwargs)
        return None if response.status_code == 204 else response.json()

    # -- accounts --------------------------------------------------------------------------

    def me(self) -> MeOut:
        """Who this client is."""
        return MeOut.model_validate(self._json("GET", "/api/v1/me"))

    def create_token(self, name: str = "") -> TokenOut:
        """A new API token for this caller."""
        return TokenOut.model_validate(self._json("POST", "/api/v1/tokens", {"name": name}))

    def revoke_token(self, token_id: int) -> None:
        """Revoke one of this caller's tokens."""
        self._json("DELETE", f"/api/v1/tokens/{token_id}")

    def members(self) -> list[MemberOut]:
        """The members of the organization."""
        data = self._json("GET", "/api/v1/members")
        return [MemberOut.model_validate(m) for m in data["members"]]

    def invite(self, email: str, role: str = "annotator") -> InvitationOut:
        """Invite someone; send them the returned ``url``."""
        body = {"email": email, "role": role}
        return InvitationOut.model_validate(self._json("POST", "/api/v1/invitations", body))

    # -- projects --------------------------------------------------------------------------

    def create_project(
        self,
        name: str,
        schema: dict[str, Any],
        workflow: dict[str, Any] | None = None,
        instructions: str = "",
    ) -> ProjectOut:
        """Create a project."""
        body = {"name": name, "schema": schema, "instructions": instructions}
        if workflow is not None:
            body["workflow"] = workflow
        return ProjectOut.model_validate(self._json("POST", "/api/v1/projects", body))

    def project(self, project_id: int) -> ProjectOut:
        """One project."""
        return ProjectOut.model_validate(self._json("GET", f"/api/v1/projects/{project_id}"))

    def projects(self) -> list[ProjectOut]:
        """Every project of the organization."""
        data = self._json("GET", "/api/v1/projects")
        return [ProjectOut.model_validate(p) for p in data["projects"]]

    def update_project(self, project_id: int, **changes: Any) -> ProjectOut:
        """Change name, instructions or workflow."""
        data = self._json("PATCH", f"/api/v1/projects/{project_id}", changes)
        return ProjectOut.model_validate(data)

    def stats(self, project_id: int) -> StatsOut:
        """Progress and quality figures."""
        return StatsOut.model_validate(self._json("GET", f"/api/v1/projects/{project_id}/stats"))

    # -- items -----------------------------------------------------------------------------

    def import_items(self, project_id: int, records: Iterable[dict[str, Any]]) -> ImportOut:
        """Import records ``{data, external_id?, meta?}``, streamed as NDJSON."""

        def lines() -> Iterator[bytes]:
            for record in records:
                yield orjson.dumps(record) + b"\n"

        response = self._call(
            "POST",
            f"/api/v1/projects/{project_id}/items",
            content=lines(),
            headers={"Content-Type": "application/x-ndjson"},
        )
        return ImportOut.model_validate(response.json())

    def import_file(self, project_id: int, path: str | Path) -> ImportOut:
        """Import a .json, .jsonl/.ndjson or .csv file, streamed from disk."""
        path = Path(path)
        media_type = _IMPORT_TYPES.get(path.suffix.lower())
        if media_type is None:
            raise ValueError(f"unknown import format for {path.name}")
        with path.open("rb") as fh:
            response = self._call(
                "POST",
                f"/api/v1/projects/{project_id}/items",
                content=_chunks(fh),
                headers={"Content-Type": media_type},
            )
        return ImportOut.model_validate(response.json())

    def upload_gold(self, project_id: int, records: list[dict[str, Any]]) -> int:
        """Set gold values ``[{external_id, value}]``; returns how many were saved."""
        return int(self._json("POST", f"/api/v1/projects/{project_id}/gold", records)["saved"])

    # -- the queue -------------------------------------------------------------------------

    def next(self, project_id: int) -> LeaseOut | None:
        """Lease the next item, or None when there is no work now."""
        data = self._json("POST", f"/api/v1/projects/{project_id}/queue/next")
        return None if data is None else LeaseOut.model_validate(data)

    def open_leases(self, project_id: int) -> list[LeaseOut]:
        """This caller's open leases in the project."""
        data = self._json("GET", f"/api/v1/projects/{project_id}/queue/mine")
        return [LeaseOut.model_validate(lease) for lease in data["leases"]]

    def submit(
        self, assignment_id: int, value: dict[str, Any], seconds: float | None = None
    ) -> SubmitOut:
        """Submit an answer for a lease."""
        body: dict[str, Any] = {"value": value}
        if seconds is not None:
            body["seconds"] = seconds
        data = self._json("POST", f"/api/v1/assignments/{assignment_id}/submit", body)
        return SubmitOut.model_validate(data)

    def skip(self, assignment_id: int) -> None:
        """Give a leased item back."""
        self._json("POST", f"/api/v1/assignments/{assignment_id}/skip")

    # -- results ---------------------------------------------------------------------------

    def resolutions(self, project_id: int, page_size: int = 500) -> Iterator[ResolutionOut]:
        """Every resolution of the project, fetched page by page."""
        cursor = 0
        while True:
            data = self._json(
                "GET",
                f"/api/v1/projects/{project_id}/resolutions",
                params={"cursor": cursor, "limit": page_size},
            )
            for item in data["resolutions"]:
                yield ResolutionOut.model_validate(item)
            if data["next_cursor"] is None:
                return
            cursor = data["next_cursor"]

    def export(self, project_id: int, sink: IO[bytes], format: str = "jsonl") -> int:
        """Stream an export into ``sink``; return the number of bytes written."""
        written = 0
        with self.http.stream(
            "GET", f"/api/v1/projects/{project_id}/export", params={"format": format}
        ) as response:
            if response.status_code >= 400:
                response.read()
                raise VeracityError(response.status_code, response.json())
            for chunk in response.iter_bytes():
                sink.write(chunk)
                written += len(chunk)
        return written

    # -- jobs and the truth model ------------------------------------------------------------

    def start_job(self, project_id: int, kind: str = "resolve") -> JobOut:
        """Queue a job on the project (``resolve``: refit the truth model, re-resolve)."""
        data = self._json("POST", f"/api/v1/projects/{project_id}/jobs", {"kind": kind})
        return JobOut.model_validate(data)

    def job(self, job_id: int) -> JobOut:
        """One job: its state, progress, error and result."""
        return JobOut.model_validate(self._json("GET", f"/api/v1/jobs/{job_id}"))

    def jobs(self, project_id: int) -> list[JobOut]:
        """The project's most recent jobs, newest first."""
        data = self._json("GET", f"/api/v1/projects/{project_id}/jobs")
        return [JobOut.model_validate(job) for job in data["jobs"]]

    def truth(self, project_id: int) -> TruthOut:
        """The project's truth method and its current fitted model (None before a fit)."""
        return TruthOut.model_validate(self._json("GET", f"/api/v1/projects/{project_id}/truth"))


def _chunks(fh: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    while chunk := fh.read(size):
        yield chunk
