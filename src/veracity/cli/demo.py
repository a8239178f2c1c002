"""``veracity demo``: a ready-to-try workspace, then the server."""

from __future__ import annotations

import contextlib
import secrets
from importlib import resources
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from veracity.cli.context import migrate_if_empty, open_services
from veracity.cli.serve import run_server
from veracity.domain.errors import Conflict, NotFound
from veracity.services import Services
from veracity.settings import Settings

ORG = "Demo"
PEOPLE = [
    ("owner@example.com", "owner", "Olive Owner"),
    ("ann@example.com", "annotator", "Ann Annotator"),
    ("ben@example.com", "annotator", "Ben Annotator"),
]

# One project per generative-AI kind (issue #3), with a handful of hand-written items each.
GENAI_PROJECTS: list[dict[str, Any]] = [
    {
        "name": "Chatbot answers: which is better?",
        "file": "pairwise.jsonl",
        "instructions": "Read the prompt and both answers. Press 1 if A is better, 2 if B is "
        "better, 3 if they are equally good; then 4, 5 or 6 for how much better. Press R to "
        "say why in a sentence. Correct and safe beats long and polished.",
        "schema": {"fields": [{"name": "preference", "kind": "pairwise"}]},
        "workflow": {"overlap": 2, "lease_seconds": 900},
    },
    {
        "name": "Rank the answers",
        "file": "ranking.jsonl",
        "instructions": "Order the answers from best (top) to worst. Press a number to pick "
        "the answer at that place, then the up and down arrows to move it; or drag the cards.",
        "schema": {"fields": [{"name": "order", "kind": "ranking"}]},
        "workflow": {"overlap": 2, "lease_seconds": 900},
    },
    {
        "name": "Score answers on a rubric",
        "file": "rubric.jsonl",
        "instructions": "Score the answer on each criterion. Digits give the score of the "
        "highlighted row and move to the next; the arrows change rows.",
        "schema": {
            "fields": [
                {
                    "name": "scores",
                    "kind": "rubric",
                    "criteria": [
                        {
                            "name": "helpfulness",
                            "min": 1,
                            "max": 7,
                            "description": "Does it solve the user's problem?",
                        },
                        {
                            "name": "correctness",
                            "min": 1,
                            "max": 7,
                            "description": "Is every claim true?",
                        },
                        {
                            "name": "harmlessness",
                            "min": 1,
                            "max": 3,
                            "description": "1 harmful, 3 safe.",
                        },
                    ],
                }
            ]
        },
        "workflow": {"overlap": 2, "lease_seconds": 900},
    },
    {
        "name": "Write the ideal reply",
        "file": "chats.jsonl",
        "instructions": "Write the reply the assistant should give next. When the chat "
        "ends with an assistant turn, rewrite that turn. Markdown is fine; Ctrl+Enter submits.",
        "schema": {"fields": [{"name": "reply", "kind": "response", "prompt": "messages"}]},
        "workflow": {"overlap": 1, "lease_seconds": 1800},
    },
    {
        "name": "Solve step by step",
        "file": "reasoning.jsonl",
        "instructions": "Solve the problem one step per box (Shift+Enter starts the next "
        "step), then give the final answer and press Enter.",
        "schema": {"fields": [{"name": "solution", "kind": "reasoning", "prompt": "problem"}]},
        "workflow": {"overlap": 1, "lease_seconds": 1800},
    },
    {
        "name": "Check the steps of a solution",
        "file": "solutions.jsonl",
        "instructions": "Rate every step: C correct, I incorrect, N neutral (true but no "
        "progress). The first step rated incorrect is where the solution goes wrong.",
        "schema": {"fields": [{"name": "review", "kind": "step_review", "solution": "steps"}]},
        "workflow": {"overlap": 2, "lease_seconds": 900},
    },
]

PROJECTS: list[dict[str, Any]] = [
    {
        "name": "Review sentiment",
        "file": "reviews.jsonl",
        "instructions": "Read the review sentence and choose whether the writer's opinion is "
        "positive or negative. If it states no opinion at all, choose neutral.",
        "schema": {
            "fields": [
                {
                    "name": "sentiment",
                    "kind": "choice",
                    "options": ["positive", "negative", "neutral"],
                }
            ]
        },
        "workflow": {"overlap": 2, "lease_seconds": 600},
    },
    {
        "name": "Support ticket triage",
        "file": "tickets.jsonl",
        "instructions": "Tag every topic the ticket touches, rate how urgent it is, and write "
        "a one-line summary a support engineer could act on.",
        "schema": {
            "fields": [
                {
                    "name": "topics",
                    "kind": "multi_choice",
                    "options": ["billing", "bug", "account", "security", "feature request"],
                },
                {
                    "name": "urgency",
                    "kind": "rating",
                    "min": 1,
                    "max": 5,
                    "min_label": "whenever",
                    "max_label": "drop everything",
                },
                {"name": "summary", "kind": "text", "max_length": 200, "multiline": False},
            ]
        },
        "workflow": {"overlap": 1, "lease_seconds": 900},
    },
    *GENAI_PROJECTS,
]


def _records(filename: str) -> list[Any]:
    text = resources.files("veracity.demo_data").joinpath(filename).read_text("utf-8")
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


def seed(svc: Services) -> dict[str, str]:
    """Create (or refresh) the demo workspace; return each person's new password."""
    with contextlib.suppress(Conflict):
        svc.accounts.create_org(ORG)
    passwords = {}
    for email, role, name in PEOPLE:
        password = secrets.token_urlsafe(9)
        svc.accounts.create_user(email, ORG, role, password, name)
        passwords[email] = password
    owner_token = svc.accounts.create_token(PEOPLE[0][0], ORG, "demo seeding").token
    owner = svc.auth.caller_from_token(owner_token)
    existing = {p.name: p.id for p in svc.projects.list(owner)}
    for spec in PROJECTS:
        project_id = existing.get(spec["name"])
        if project_id is None:
            project_id = svc.projects.create(
                owner, spec["name"], spec["schema"], spec["workflow"], spec["instructions"]
            ).id
        svc.items.import_records(owner, project_id, _records(spec["file"]))
    return passwords


def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    serve: Annotated[bool, typer.Option(help="Start the server after seeding.")] = True,
) -> None:
    """Create a demo workspace with sample projects, print the logins, and serve it."""
    settings = Settings()
    migrate_if_empty(settings)
    with open_services(settings) as svc:
        try:
            passwords = seed(svc)
        except NotFound as exc:  # pragma: no cover - only if the demo org vanished mid-run
            raise typer.Exit(1) from exc
    out = Console()
    url = f"http://{host}:{port}/"
    table = Table(title=f"Veracity demo at {url}", title_justify="left")
    table.add_column("email")
    table.add_column("role")
    table.add_column("password")
    for email, role, _ in PEOPLE:
        table.add_row(email, role, passwords[email])
    out.print(table)
    out.print("Sign in as an annotator and press 1, 2 or 3 to label, Enter to submit.")
    if serve:
        run_server(host, port, 1)
