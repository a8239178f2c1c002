"""Likely label errors as a job: a single-pass labeling of real SMS messages made elsewhere,
with some labels flipped; the job flags the flipped ones from what the text model learns
of the rest."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from tests.api.test_truth_jobs import _wait
from tests.conftest import LiveServer
from tests.factories.accounts import Org

SMS = Path(__file__).resolve().parents[3] / "shared" / "data" / "sms_spam" / "SMSSpamCollection.tsv"
SPAM = {"fields": [{"name": "kind", "kind": "choice", "options": ["ham", "spam"]}]}
ITEMS = 400


def _messages() -> list[tuple[str, str]]:
    if not SMS.exists():
        pytest.skip(f"the SMS spam data set is not beside the checkout ({SMS})")
    with SMS.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r["SMS"], r["Label"]) for r in rows[:ITEMS]]


def test_the_job_flags_labels_the_evidence_contradicts(server: LiveServer, org: Org) -> None:
    messages = _messages()
    flipped = {int(i) for i in np.random.default_rng(3).choice(ITEMS, 20, replace=False)}
    owner = server.client(org.owner.token)
    project = owner.create_project("sms", SPAM, {"overlap": 1, "refit_after": None})
    owner.import_items(
        project.id,
        [{"external_id": f"sms-{i}", "data": {"text": t}} for i, (t, _) in enumerate(messages)],
    )
    answers = [
        {
            "external_id": f"sms-{i}",
            "worker": "vendor-7",
            "value": {"kind": ({"ham": "spam", "spam": "ham"}[label] if i in flipped else label)},
        }
        for i, (_, label) in enumerate(messages)
    ]
    imported = owner.http.post(f"/api/v1/projects/{project.id}/annotations", json=answers)
    assert imported.status_code == 200, imported.text

    annotator = server.client(org.annotator.token).http
    refused = annotator.post(f"/api/v1/projects/{project.id}/jobs", json={"kind": "label_errors"})
    assert refused.status_code == 403

    manager = server.client(org.members["manager"].token).http
    started = manager.post(f"/api/v1/projects/{project.id}/jobs", json={"kind": "label_errors"})
    assert started.status_code == 202, started.text
    final = _wait(manager, started.json()["id"])[-1]
    assert final["state"] == "done", final["error"]
    result = final["result"]
    found = {int(x["external_id"].removeprefix("sms-")) for x in result["items"]}
    assert result["flagged"] == len(result["items"]) == len(found)
    assert result["sent_to_review"] == len(found)
    assert len(found & flipped) >= 12, (sorted(found), sorted(flipped))
    assert len(found - flipped) <= len(found & flipped)
    for entry in result["items"]:
        i = int(entry["external_id"].removeprefix("sms-"))
        assert entry["field"] == "kind"
        if i in flipped:
            assert entry["suggested"] == messages[i][1]
            assert entry["label"] != messages[i][1]
    qualities = [x["quality"] for x in result["items"]]
    assert qualities == sorted(qualities)
