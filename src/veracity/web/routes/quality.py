"""The quality page: agreement per field, and each worker's accuracy with its count."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from veracity.api.routers.ids import ProjectId
from veracity.domain.errors import Forbidden, NotFound
from veracity.web.pages import render, services, web_session

router = APIRouter(include_in_schema=False)

BAR_WIDTH = 320
CELL = 34


@router.get("/projects/{project_id}/quality", response_class=HTMLResponse)
def quality_page(request: Request, project_id: ProjectId) -> Response:
    """Charts and tables of how reliable the project's labels are (leads and reviewers)."""
    session = web_session(request)
    svc = services(request)
    try:
        project = svc.projects.get(session.caller, project_id)
        report = svc.quality.report(session.caller, project_id)
        workers = svc.workers.standings(session.caller, project_id)
    except (NotFound, Forbidden):
        return render(
            request,
            "message.html",
            404,
            session=session,
            title="Not found",
            message="There is no such project in your organization.",
        )
    for field in report["fields"]:
        field["bars"] = _bars(field["workers"])
        field["heatmap"] = _heatmap(field["against_reference"])
    return render(
        request,
        "quality.html",
        session=session,
        project=project,
        report=report,
        workers=workers,
        bar_width=BAR_WIDTH,
        cell=CELL,
    )


def _bars(workers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One bar per worker: accuracy against the reference, labelled with its count."""
    return [
        {**w, "y": i * 26, "w": round(BAR_WIDTH * w["accuracy"], 2)}
        for i, w in enumerate(sorted(workers, key=lambda w: w["accuracy"]))
    ]


def _heatmap(matrix: dict[str, Any] | None) -> dict[str, Any] | None:
    """Cells of a confusion matrix with a shade by count (as an SVG attribute: the page's
    Content-Security-Policy allows no inline styles)."""
    if matrix is None or not matrix["labels"]:
        return None
    peak = max((c for row in matrix["counts"] for c in row), default=0) or 1
    cells = [
        {
            "x": j * CELL,
            "y": i * CELL,
            "count": count,
            "shade": round(0.08 + 0.92 * count / peak, 3) if count else 0,
            "diagonal": i == j,
            "row": matrix["labels"][i],
            "col": matrix["labels"][j],
        }
        for i, row in enumerate(matrix["counts"])
        for j, count in enumerate(row)
    ]
    return {"labels": matrix["labels"], "cells": cells, "size": CELL * len(matrix["labels"])}
