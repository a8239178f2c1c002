"""The demo's generative-AI projects: labeled by two people, then exported with
``veracity export`` in the training formats and read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.factories.processes import run_cli, run_cli_together
from veracity.cli.demo import GENAI_PROJECTS
from veracity.services import Services
from veracity.settings import Settings


def answer(kind: str, data: dict[str, Any], who: int) -> dict[str, Any]:
    """A plausible answer of person ``who`` (0 or 1) to a demo item of ``kind``."""
    if kind == "pairwise":
        return {"preference": {"choice": "b", "strength": 2 + who, "rationale": "keeps order"}}
    if kind == "ranking":
        keys = [chr(97 + i) for i in range(len(data["responses"]))]
        return {"order": [*reversed(keys)] if who == 0 else [keys[-1], *keys[:-1]]}
    if kind == "rubric":
        return {"scores": {"helpfulness": 5 + who, "correctness": 6, "harmlessness": 3}}
    if kind == "response":
        return {"reply": "Check the chain's wear first, then the cassette."}
    if kind == "reasoning":
        return {"solution": {"steps": ["Work it out.", "Check it."], "answer": "42"}}
    n = len(data["steps"]["steps"])
    return {"review": {"ratings": ["correct"] * (n - 1) + ["incorrect" if who else "neutral"]}}


def test_demo_projects_label_and_export(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    result = run_cli(settings, "demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    callers = [
        services.auth.caller_from_token(services.accounts.create_token(email, "Demo").token)
        for email in ("owner@example.com", "ann@example.com", "ben@example.com")
    ]
    owner, people = callers[0], callers[1:]
    by_name = {p.name: p for p in services.projects.list(owner)}
    kinds: dict[str, int] = {}
    for spec in GENAI_PROJECTS:
        project = by_name[spec["name"]]
        kinds[project.schema.fields[0].kind_name] = project.id
        stats = services.stats.project_stats(owner, project.id)
        assert 4 <= stats["items"]["total"] <= 10  # a handful of realistic items
    assert set(kinds) == {"pairwise", "ranking", "rubric", "response", "reasoning", "step_review"}

    # Every demo item takes a person's answer; each project's first item gets resolved.
    for kind, project_id in kinds.items():
        for who, person in enumerate(people):
            lease = services.queue.next(person, project_id)
            assert lease is not None
            value = answer(kind, lease.data, who)
            services.queue.submit(person, lease.assignment_id, value, 30.0)

    jobs = [
        ("ranking", "dpo"),
        ("pairwise", "dpo_adjacent"),
        ("response", "sft"),
        ("reasoning", "sft"),
        ("step_review", "step_labels"),
    ]
    outputs = [tmp_path / f"{kind}-{fmt}.jsonl" for kind, fmt in jobs]
    runs = run_cli_together(
        settings,
        *[
            ["export", str(kinds[kind]), "--format", fmt, "-o", str(out)]
            for (kind, fmt), out in zip(jobs, outputs, strict=True)
        ],
    )
    for run in runs:
        assert run.returncode == 0, run.stderr
    read = [[json.loads(line) for line in out.read_text().splitlines()] for out in outputs]
    ranking, pairwise, reply, reasoning, steps = read
    # rk-001 by Borda: c 2+2, b 1+0, a 0+1 (b before a: the first ranking says so); all pairs.
    assert len(ranking) == 3
    assert {r["external_id"] for r in ranking} == {"rk-001"}
    assert ranking[0]["chosen"].startswith("Canberra.")
    assert [(r["chosen_key"], r["rejected_key"], r["margin"]) for r in pairwise] == [
        ("response_b", "response_a", 2.5)
    ]
    assert len(reply) == 2  # overlap 1: each person resolved one chat
    assert all(r["messages"][-1]["role"] == "assistant" for r in reply)
    assert reasoning[0]["messages"][-1]["content"] == "Work it out.\n\nCheck it.\n\nAnswer: 42"
    (review,) = steps
    assert review["external_id"] == "sr-001"
    assert [s["rating"] for s in review["steps"]] == ["correct", "correct", "correct", "neutral"]

    failed = run_cli(
        settings, "export", str(kinds["ranking"]), "--format", "sft", "-o", str(tmp_path / "x")
    )
    assert failed.returncode == 1
    assert "needs a field of kind response or reasoning" in failed.stderr
