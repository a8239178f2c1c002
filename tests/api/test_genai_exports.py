"""Generative-AI kinds over real HTTP: 422s that name the element, and the training exports
(SFT chat, DPO pairs, step labels) streamed and read back."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.factories.accounts import Org
from veracity.client import Client, VeracityError

SCHEMA = {
    "fields": [
        {"name": "preference", "kind": "pairwise"},
        {"name": "order", "kind": "ranking"},
        {"name": "ideal", "kind": "response", "prompt": "messages"},
        {"name": "solution", "kind": "reasoning", "prompt": "problem"},
        {"name": "review", "kind": "step_review", "solution": "attempt"},
        {
            "name": "scores",
            "kind": "rubric",
            "criteria": [{"name": "helpfulness", "min": 1, "max": 7}],
            "response": "response_a",
        },
    ]
}
CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Best sorting algorithm?"},
    {"role": "assistant", "content": "Depends."},
    {"role": "user", "content": "For small lists?"},
]


def item(n: int) -> dict[str, Any]:
    return {
        "external_id": f"g-{n}",
        "data": {
            "prompt": f"Question {n}?",
            "response_a": f"A{n}",
            "response_b": f"B{n}",
            "responses": [f"R{n}a", f"R{n}b", f"R{n}c"],
            "messages": CHAT,
            "problem": f"What is {n} + {n}?",
            "attempt": {"steps": [f"{n} + {n}", f"= {2 * n + 1}"], "answer": str(2 * n + 1)},
        },
    }


def answer(n: int) -> dict[str, Any]:
    return {
        "preference": {"choice": "b", "strength": 3} if n == 0 else {"choice": "tie"},
        "order": ["c", "a", "b"],
        "ideal": f"Insertion sort ({n}).",
        "solution": {"steps": [f"{n} + {n}", f"= {2 * n}"], "answer": str(2 * n)},
        "review": {"ratings": ["correct", "incorrect"]},
        "scores": {"helpfulness": 5},
    }


def labeled_project(server: LiveServer, org: Org) -> tuple[Client, int]:
    owner = server.client(org.owner.token)
    project = owner.create_project("GenAI", SCHEMA)
    owner.import_items(project.id, [item(n) for n in range(3)])
    worker = server.client(org.annotator.token)
    for _ in range(2):  # g-2 stays unlabeled
        lease = worker.next(project.id)
        assert lease is not None
        n = int(lease.item.external_id.split("-")[1])
        worker.submit(lease.assignment_id, answer(n))
    return owner, project.id


def lines(owner: Client, project_id: int, fmt: str) -> list[dict[str, Any]]:
    out = io.BytesIO()
    owner.export(project_id, out, fmt)
    return [json.loads(line) for line in out.getvalue().decode().splitlines()]


def test_invalid_values_are_422_naming_the_field_and_element(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("GenAI", SCHEMA)
    owner.import_items(project.id, [item(0)])
    worker = server.client(org.annotator.token)
    lease = worker.next(project.id)
    assert lease is not None
    cases = [
        ({"order": ["a", "b", "b"]}, "order[2]", "field 'order[2]': 'b' appears twice"),
        (
            {"solution": {"steps": ["ok", "", "x"], "answer": "1"}},
            "solution.steps[1]",
            "field 'solution.steps[1]': empty step",
        ),
        (
            {"review": {"ratings": ["correct"]}},
            "review.ratings",
            "field 'review.ratings': needs one rating per step: the solution has 2 steps, not 1",
        ),
        (
            {"review": {"ratings": ["correct", "incorrect"], "first_error": 2}},
            "review.first_error",
            "field 'review.first_error': 2 is out of range: steps are 0..1",
        ),
        (
            {"scores": {"helpfulness": 8}},
            "scores.helpfulness",
            "field 'scores.helpfulness': 8 is outside the scale 1..7",
        ),
        (
            {"preference": {"choice": "a"}},
            "preference.strength",
            "field 'preference.strength': is required when one response is better",
        ),
    ]
    for change, field, message in cases:
        with pytest.raises(VeracityError) as caught:
            worker.submit(lease.assignment_id, {**answer(0), **change})
        assert caught.value.status == 422
        assert caught.value.field == field
        assert caught.value.message == message
    # The lease is still open: a valid answer goes through.
    worker.submit(lease.assignment_id, answer(0))


def test_sft_export(server: LiveServer, org: Org) -> None:
    owner, pid = labeled_project(server, org)
    rows = lines(owner, pid, "sft")
    by = {(r["external_id"], r["field"]): r for r in rows}
    assert sorted(by) == [
        ("g-0", "ideal"),
        ("g-0", "solution"),
        ("g-1", "ideal"),
        ("g-1", "solution"),
    ]
    assert by["g-0", "ideal"]["messages"] == [
        *CHAT,
        {"role": "assistant", "content": "Insertion sort (0)."},
    ]
    assert by["g-1", "solution"]["messages"] == [
        {"role": "user", "content": "What is 1 + 1?"},
        {"role": "assistant", "content": "1 + 1\n\n= 2\n\nAnswer: 2"},
    ]
    for row in rows:
        assert next(iter(row)) == "messages"
        assert all(set(m) == {"role", "content"} for m in row["messages"])


def test_dpo_exports_from_pairwise_and_rankings(server: LiveServer, org: Org) -> None:
    owner, pid = labeled_project(server, org)
    rows = lines(owner, pid, "dpo")
    pairwise = [r for r in rows if r["field"] == "preference"]
    # g-0 preferred B strongly; g-1 was a tie, which gives no pair.
    assert pairwise == [
        {
            "prompt": "Question 0?",
            "chosen": "B0",
            "rejected": "A0",
            "chosen_key": "response_b",
            "rejected_key": "response_a",
            "margin": 3,
            "item_id": pairwise[0]["item_id"],
            "external_id": "g-0",
            "field": "preference",
        }
    ]
    ranked = [(r["external_id"], r["chosen"], r["rejected"]) for r in rows if r["field"] == "order"]
    # c > a > b: every pair.
    assert ranked == [
        ("g-0", "R0c", "R0a"),
        ("g-0", "R0c", "R0b"),
        ("g-0", "R0a", "R0b"),
        ("g-1", "R1c", "R1a"),
        ("g-1", "R1c", "R1b"),
        ("g-1", "R1a", "R1b"),
    ]
    adjacent = lines(owner, pid, "dpo_adjacent")
    ranked = [(r["chosen"], r["rejected"], r["margin"]) for r in adjacent if r["field"] == "order"]
    assert ranked == [
        ("R0c", "R0a", 1.0),
        ("R0a", "R0b", 1.0),
        ("R1c", "R1a", 1.0),
        ("R1a", "R1b", 1.0),
    ]


def test_dpo_with_a_conversation_prompt_is_conversational(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    schema = {"fields": [{"name": "pick", "kind": "pairwise", "prompt": "messages"}]}
    project = owner.create_project("chat", schema)
    data = {"messages": CHAT, "response_a": "Insertion sort.", "response_b": "Bogosort."}
    owner.import_items(project.id, [{"external_id": "c", "data": data}])
    worker = server.client(org.annotator.token)
    lease = worker.next(project.id)
    assert lease is not None
    worker.submit(lease.assignment_id, {"pick": {"choice": "a", "strength": 1}})
    (row,) = lines(owner, project.id, "dpo")
    assert row["prompt"] == CHAT
    assert row["chosen"] == [{"role": "assistant", "content": "Insertion sort."}]
    assert row["rejected"] == [{"role": "assistant", "content": "Bogosort."}]


def test_step_labels_export(server: LiveServer, org: Org) -> None:
    owner, pid = labeled_project(server, org)
    rows = lines(owner, pid, "step_labels")
    assert [r["external_id"] for r in rows] == ["g-0", "g-1"]
    first = rows[0]
    assert first["problem"] == "What is 0 + 0?"
    assert first["steps"] == [
        {"text": "0 + 0", "rating": "correct", "score": 1},
        {"text": "= 1", "rating": "incorrect", "score": -1},
    ]
    assert first["answer"] == "1"
    assert first["first_error"] == 1
    assert first["confidence"] == 1.0
    assert first["n_reviews"] == 1


def test_a_format_without_its_kind_is_refused(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    schema = {"fields": [{"name": "s", "kind": "choice", "options": ["a", "b"]}]}
    project = owner.create_project("plain", schema)
    for fmt, needs in (("sft", "response or reasoning"), ("step_labels", "step_review")):
        with pytest.raises(VeracityError) as caught:
            owner.export(project.id, io.BytesIO(), fmt)
        assert caught.value.status == 422
        assert caught.value.field == "format"
        assert needs in caught.value.message
