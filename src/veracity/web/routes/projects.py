"""The project list, a project's page, and the annotate page.

A signed-out browser is sent to sign-in by the ``SignInRequired`` handler (``web/app.py``);
a project of another organization is answered exactly like one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from veracity.api.routers.ids import ProjectId
from veracity.domain.errors import NotFound
from veracity.domain.roles import Permission
from veracity.services.authentication import WebSession
from veracity.web.pages import render, services, web_session

router = APIRouter(include_in_schema=False)


@router.get("/")
def home() -> Response:
    """The project list is the home page."""
    return RedirectResponse("/projects", status_code=303)


@router.get("/projects", response_class=HTMLResponse)
def project_list(request: Request) -> Response:
    """Every project of the signed-in person's organization."""
    session = web_session(request)
    projects = services(request).projects.list(session.caller)
    return render(request, "projects.html", session=session, projects=projects)


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(request: Request, project_id: ProjectId) -> Response:
    """A project's progress and what it asks for."""
    session = web_session(request)
    svc = services(request)
    try:
        project = svc.projects.get(session.caller, project_id)
    except NotFound:
        return _not_found(request, session)
    stats = (
        svc.stats.project_stats(session.caller, project_id)
        if session.caller.can(Permission.read_stats)
        else None
    )
    truth = None
    if session.caller.can(Permission.read_results):
        jobs = svc.jobs.project_jobs(session.caller, project_id, limit=1)
        truth = {
            "model": svc.jobs.current_model(session.caller, project_id),
            "job": jobs[0] if jobs else None,
            "can_run": session.caller.can(Permission.run_jobs),
        }
    return render(
        request,
        "project.html",
        session=session,
        project=project,
        stats=stats,
        chart=_chart(stats) if stats else None,
        can_export=session.caller.can(Permission.export),
        truth=truth,
    )


@router.get("/projects/{project_id}/annotate", response_class=HTMLResponse)
def annotate_page(request: Request, project_id: ProjectId) -> Response:
    """The keyboard-first labeling page; work is fetched by the page's script."""
    session = web_session(request)
    try:
        project = services(request).projects.get(session.caller, project_id)
    except NotFound:
        return _not_found(request, session)
    return render(
        request,
        "annotate.html",
        session=session,
        project=project,
        project_json={
            "id": project.id,
            "name": project.name,
            "schema": project.schema.to_json(),
        },
    )


CHART_WIDTH = 600


def _chart(stats: dict[str, object]) -> list[dict[str, object]]:
    """Segments of the progress bar: done, fully handed out, open (SVG user units)."""
    items = stats["items"]
    assert isinstance(items, dict)
    total = int(items["total"]) or 1
    x = 0.0
    segments: list[dict[str, object]] = []
    for key, label in (("done", "done"), ("in_progress", "being labeled"), ("open", "open")):
        width = CHART_WIDTH * int(items[key]) / total
        segments.append({"key": key, "label": label, "count": items[key], "x": x, "w": width})
        x += width
    return segments


def _not_found(request: Request, session: WebSession) -> Response:
    return render(
        request,
        "message.html",
        404,
        session=session,
        title="Not found",
        message="There is no such project in your organization.",
    )
