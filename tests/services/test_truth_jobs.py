"""Truth inference driving a project's resolutions: the refit job, incremental resolution
on each submission with the stored model, the automatic refit, and a job that fails.

The crowd: three careful annotators and two spammers who answer "neg" whatever the item.
Every item gets all five answers, so the vote is right wherever the careful three agree; on
every tenth item one careful annotator slips, and then the spammers plus that slip outvote
the two who are right. Dawid-Skene learns that a spammer's "neg" says nothing and follows the
careful majority: on those items the fitted model and the plain vote disagree.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.factories.accounts import Member, Org
from tests.factories.crowd import crowd_org
from tests.factories.projects import SENTIMENT, texts
from veracity.domain.caller import Caller
from veracity.domain.errors import Forbidden, InvalidRecord, NotFound
from veracity.domain.workflow import Workflow
from veracity.services import Services
from veracity.storage.tables import annotations, jobs, resolutions
from veracity.storage.types import utcnow

ITEMS = 40
CAREFUL = 3
SPAMMERS = 2


def truth_of(n: int) -> str:
    """The true label of item ``item-<n>``."""
    return "pos" if n % 2 == 0 else "neg"


def answer(annotator: int, n: int) -> dict[str, str]:
    """What annotator ``annotator`` (0-2 careful, 3-4 spammers) says of item ``item-<n>``."""
    if annotator >= CAREFUL:
        return {"sentiment": "neg"}
    slips = n % 10 == 0 and annotator == (n // 10) % CAREFUL
    if slips:
        return {"sentiment": "neg" if truth_of(n) == "pos" else "pos"}
    return {"sentiment": truth_of(n)}


def caller(services: Services, member: Member) -> Caller:
    return services.auth.caller_from_token(member.token)


def work_queue(services: Services, project_id: int, crowd: list[Member]) -> int:
    """Every annotator takes and answers items until the queue has none left for them."""
    submitted = 0
    for index, member in enumerate(crowd):
        who = caller(services, member)
        while (lease := services.queue.next(who, project_id)) is not None:
            n = int(str(lease.external_id).split("-")[1])
            services.queue.submit(who, lease.assignment_id, answer(index, n))
            submitted += 1
    return submitted


def crowd_project(
    services: Services, items: int = ITEMS, **workflow: Any
) -> tuple[Org, list[Member], Caller, int]:
    org, crowd = crowd_org(services, CAREFUL + SPAMMERS)
    owner = caller(services, org.owner)
    flow = {"overlap": CAREFUL + SPAMMERS, "truth_method": "dawid_skene", "refit_after": None}
    project = services.projects.create(owner, "crowd", SENTIMENT, {**flow, **workflow})
    services.items.import_records(owner, project.id, texts(items))
    return org, crowd, owner, project.id


def resolved(services: Services, owner: Caller, project_id: int) -> dict[str, Any]:
    page = services.resolutions.page(owner, project_id, 0, 1000)
    return {r["external_id"]: r for r in page.resolutions}


def test_a_refit_resolves_by_the_fitted_model_not_the_vote(services: Services) -> None:
    _org, crowd, owner, project_id = crowd_project(services)
    assert work_queue(services, project_id, crowd) == ITEMS * 5
    before = resolved(services, owner, project_id)
    # Without a model: the plain vote, which the spammers and one slip tip on item-0.
    assert before["item-0"]["value"] == {"sentiment": "neg"}
    assert before["item-0"]["method"] == "majority_vote"
    assert before["item-0"]["confidence"] == pytest.approx(0.6)
    assert services.jobs.current_model(owner, project_id) is None

    job = services.jobs.request(owner, project_id, "resolve")
    assert (job.state, job.kind, job.created_by) == ("queued", "resolve", owner.user_id)
    ran = services.jobs.run(job.id)
    assert ran is not None
    assert ran.state == "done", ran.error
    assert ran.total is not None
    assert ran.done == ran.total == 1 + ITEMS
    assert ran.result is not None
    assert ran.result["items_resolved"] == ITEMS
    assert ran.result["methods"] == {"sentiment": "dawid_skene"}
    # Running it again does nothing: it is not queued any more.
    assert services.jobs.run(job.id) is None

    after = resolved(services, owner, project_id)
    for n in range(ITEMS):
        row = after[f"item-{n}"]
        assert row["value"] == {"sentiment": truth_of(n)}, n
        assert row["method"] == "dawid_skene"
        assert row["n_annotations"] == 5
    # Where the vote and the model disagree, the model is right, and sure of it.
    assert after["item-0"]["confidence"] > 0.9
    wrong_votes = [k for k, r in before.items() if r["value"] != after[k]["value"]]
    assert sorted(wrong_votes) == [f"item-{n}" for n in range(0, ITEMS, 10) if truth_of(n) == "pos"]

    model = services.jobs.current_model(owner, project_id)
    assert model is not None
    assert model.annotations_seen == ITEMS * 5
    assert model.items_resolved == ITEMS
    assert model.truth_method == "dawid_skene"
    assert model.fields["sentiment"]["method"] == "dawid_skene"
    assert model.fields["sentiment"]["workers"] == CAREFUL + SPAMMERS
    assert model.job_id == job.id
    assert [j.id for j in services.jobs.project_jobs(owner, project_id)] == [job.id]

    # Another method: the model fitted with the old one is replaced by a refit.
    flow = services.projects.get(owner, project_id).workflow.model_dump()
    services.projects.update(owner, project_id, workflow={**flow, "truth_method": "one_coin"})
    queued = services.jobs.project_jobs(owner, project_id)[0]
    assert (queued.state, queued.created_by) == ("queued", owner.user_id)
    assert services.jobs.run(queued.id) is not None
    refitted = services.jobs.current_model(owner, project_id)
    assert refitted is not None
    assert (refitted.truth_method, refitted.fields["sentiment"]["method"]) == ("one_coin",) * 2
    assert {r["method"] for r in resolved(services, owner, project_id).values()} == {"one_coin"}


def test_after_a_fit_each_submission_is_resolved_with_the_workers_weights(
    services: Services,
) -> None:
    _org, crowd, owner, project_id = crowd_project(services)
    work_queue(services, project_id, crowd)
    ran = services.jobs.run(services.jobs.request(owner, project_id, "resolve").id)
    assert ran is not None
    assert ran.state == "done"
    # A new item answered by one careful annotator ("pos") and both spammers ("neg"): the
    # vote says neg; the stored model knows the spammers and says pos.
    services.items.import_records(owner, project_id, texts(1, prefix="fresh"))
    for index in (0, CAREFUL, CAREFUL + 1):
        who = caller(services, crowd[index])
        lease = services.queue.next(who, project_id)
        assert lease is not None
        assert lease.external_id == "fresh-0"
        value = {"sentiment": "pos"} if index < CAREFUL else {"sentiment": "neg"}
        services.queue.submit(who, lease.assignment_id, value)
    # Still two answers short of the overlap: not resolved yet.
    assert "fresh-0" not in resolved(services, owner, project_id)
    project = services.projects.get(owner, project_id)
    services.projects.update(
        owner, project_id, workflow={**project.workflow.model_dump(), "overlap": 3}
    )
    fresh = resolved(services, owner, project_id)["fresh-0"]
    assert fresh["value"] == {"sentiment": "pos"}
    assert fresh["method"] == "dawid_skene"
    assert fresh["source"] == "consensus"

    # On the submit path itself: another new item, completed by a submission.
    services.items.import_records(owner, project_id, texts(1, prefix="later"))
    for index in (CAREFUL, CAREFUL + 1, 1):
        who = caller(services, crowd[index])
        lease = services.queue.next(who, project_id)
        assert lease is not None
        assert lease.external_id == "later-0"
        value = {"sentiment": "pos"} if index < CAREFUL else {"sentiment": "neg"}
        services.queue.submit(who, lease.assignment_id, value)
    later = resolved(services, owner, project_id)["later-0"]
    assert (later["value"], later["method"]) == ({"sentiment": "pos"}, "dawid_skene")
    # No refit happened on the way: the model is the one fitted before.
    model = services.jobs.current_model(owner, project_id)
    assert model is not None
    assert model.annotations_seen == ITEMS * 5


def test_imported_outside_answers_are_resolved_with_the_model(services: Services) -> None:
    org, crowd, owner, project_id = crowd_project(services)
    work_queue(services, project_id, crowd)
    services.jobs.run(services.jobs.request(owner, project_id, "resolve").id)
    services.projects.update(
        owner,
        project_id,
        workflow={**services.projects.get(owner, project_id).workflow.model_dump(), "overlap": 3},
    )
    services.items.import_records(owner, project_id, texts(1, prefix="outside"))
    records = [
        {"external_id": "outside-0", "worker": w, "value": {"sentiment": v}}
        for w, v in (("mturk-a", "pos"), ("mturk-b", "neg"), ("mturk-c", "pos"))
    ]
    assert services.annotation_import.import_records(owner, project_id, records).created == 3
    row = resolved(services, owner, project_id)["outside-0"]
    assert (row["value"], row["method"]) == ({"sentiment": "pos"}, "dawid_skene")
    assert org.id == owner.org_id


def test_enough_new_annotations_queue_a_refit_by_themselves(services: Services) -> None:
    _org, crowd, owner, project_id = crowd_project(services, items=10, refit_after=20)
    work_queue(services, project_id, crowd[:4])  # 40 annotations
    queued = services.jobs.project_jobs(owner, project_id)
    assert [(j.kind, j.state, j.created_by) for j in queued] == [("resolve", "queued", None)]
    # More annotations while it waits do not queue a second one.
    work_queue(services, project_id, crowd[4:])
    assert len(services.jobs.project_jobs(owner, project_id)) == 1
    ran = services.jobs.run(queued[0].id)
    assert ran is not None
    assert ran.state == "done"
    model = services.jobs.current_model(owner, project_id)
    assert model is not None
    assert model.annotations_seen == 50
    # The next refit waits for as many new annotations as the fit saw (50), at least 20.
    services.items.import_records(owner, project_id, texts(6, prefix="more"))
    work_queue(services, project_id, crowd)  # 30 new annotations
    assert len(services.jobs.project_jobs(owner, project_id)) == 1
    services.items.import_records(owner, project_id, texts(5, prefix="most"))
    work_queue(services, project_id, crowd)  # 55 new annotations
    states = [j.state for j in services.jobs.project_jobs(owner, project_id)]
    assert states == ["queued", "done"]


def test_a_failed_job_shows_its_error_and_keeps_the_old_model(services: Services) -> None:
    _org, crowd, owner, project_id = crowd_project(services)
    work_queue(services, project_id, crowd)
    first = services.jobs.run(services.jobs.request(owner, project_id, "resolve").id)
    assert first is not None
    assert first.state == "done"
    model = services.jobs.current_model(owner, project_id)
    before = resolved(services, owner, project_id)
    # A stored annotation that is not an object (as a broken outside tool might leave).
    with services.db.write() as conn:
        victim = conn.execute(
            select(annotations.c.id).where(annotations.c.project_id == project_id).limit(1)
        ).scalar_one()
        conn.execute(update(annotations).where(annotations.c.id == victim).values(value=[1]))
    failed = services.jobs.run(services.jobs.request(owner, project_id, "resolve").id)
    assert failed is not None
    assert failed.state == "failed"
    assert failed.error is not None
    assert "list" in failed.error
    assert failed.finished_at is not None
    assert services.jobs.current_model(owner, project_id) == model
    assert resolved(services, owner, project_id) == before
    with services.db.read() as conn:
        methods = set(
            conn.execute(
                select(resolutions.c.method).where(resolutions.c.project_id == project_id)
            ).scalars()
        )
    assert methods == {"dawid_skene"}


def test_a_stopping_worker_puts_the_job_back_untouched(services: Services) -> None:
    _org, crowd, owner, project_id = crowd_project(services)
    work_queue(services, project_id, crowd)
    before = resolved(services, owner, project_id)
    stop = threading.Event()
    stop.set()
    job = services.jobs.request(owner, project_id, "resolve")
    assert services.jobs.run(job.id, stop=stop) is not None
    again = services.jobs.get(owner, job.id)
    assert again.state == "queued"
    assert services.jobs.queued() == [job.id]
    assert resolved(services, owner, project_id) == before
    assert services.jobs.current_model(owner, project_id) is None


def test_jobs_are_for_managers_and_their_own_organization(services: Services, org: Org) -> None:
    _other, crowd, owner, project_id = crowd_project(services)
    annotator = caller(services, crowd[0])
    with pytest.raises(Forbidden):
        services.jobs.request(annotator, project_id, "resolve")
    with pytest.raises(InvalidRecord) as bad:
        services.jobs.request(owner, project_id, "train")
    assert bad.value.field == "kind"
    job = services.jobs.request(owner, project_id, "resolve")
    # Asking again while it waits gives the same job.
    assert services.jobs.request(owner, project_id, "resolve").id == job.id
    stranger = caller(services, org.members["manager"])
    with pytest.raises(NotFound):
        services.jobs.request(stranger, project_id, "resolve")
    with pytest.raises(NotFound):
        services.jobs.get(stranger, job.id)
    with pytest.raises(NotFound):
        services.jobs.project_jobs(stranger, project_id)
    theirs = services.projects.create(caller(services, org.owner), "acme", SENTIMENT)
    assert services.jobs.request(stranger, theirs.id, "resolve").state == "queued"


def test_the_setting_validates() -> None:
    assert Workflow.parse(None).truth_method == "auto"
    assert Workflow.parse(None).refit_after == 100
    assert Workflow.parse({"truth_method": "glad"}).truth_method == "glad"
    with pytest.raises(InvalidRecord) as bad:
        Workflow.parse({"truth_method": "voodoo"})
    assert bad.value.field == "workflow.truth_method"
    with pytest.raises(InvalidRecord) as zero:
        Workflow.parse({"refit_after": 0})
    assert zero.value.field == "workflow.refit_after"
    flow = Workflow.parse({"refit_after": 20})
    assert not flow.wants_refit(None, 19)
    assert flow.wants_refit(None, 20)
    assert not flow.wants_refit(50, 49)
    assert flow.wants_refit(50, 50)
    assert not Workflow.parse({"refit_after": None}).wants_refit(None, 10**6)


def test_gold_is_known_truth_in_the_fit(services: Services) -> None:
    """Two liars who always answer the opposite outvote one honest worker everywhere; only
    gold tells the model who is who, and it is taken as known truth."""
    org, _ = crowd_org(services, 0)
    owner = caller(services, org.owner)
    flow = {"overlap": 3, "truth_method": "dawid_skene", "refit_after": None}
    project_id = services.projects.create(owner, "liars", SENTIMENT, flow).id
    services.items.import_records(owner, project_id, texts(ITEMS))
    records = []
    for n in range(ITEMS):
        opposite = "neg" if truth_of(n) == "pos" else "pos"
        for worker, label in (("honest", truth_of(n)), ("liar", opposite), ("liar2", opposite)):
            value = {"sentiment": label}
            records.append({"external_id": f"item-{n}", "worker": worker, "value": value})
    services.annotation_import.import_records(owner, project_id, records)
    gold = [{"external_id": f"item-{n}", "value": {"sentiment": truth_of(n)}} for n in range(10)]
    assert services.gold.upload(owner, project_id, gold) == 10
    voted = resolved(services, owner, project_id)
    assert all(voted[f"item-{n}"]["value"] != {"sentiment": truth_of(n)} for n in range(10, ITEMS))

    ran = services.jobs.run(services.jobs.request(owner, project_id, "resolve").id)
    assert ran is not None
    assert ran.state == "done", ran.error
    after = resolved(services, owner, project_id)
    for n in range(10):  # gold items keep their gold resolution
        assert (after[f"item-{n}"]["source"], after[f"item-{n}"]["method"]) == ("gold", "gold")
    for n in range(10, ITEMS):
        row = after[f"item-{n}"]
        assert row["value"] == {"sentiment": truth_of(n)}, n
        assert row["method"] == "dawid_skene"
    assert ran.result is not None
    assert ran.result["items_resolved"] == ITEMS - 10


def test_a_job_whose_worker_died_is_failed_and_replaced(services: Services) -> None:
    _org, _crowd, owner, project_id = crowd_project(services)
    job = services.jobs.request(owner, project_id, "resolve")
    long_ago = utcnow() - timedelta(hours=1)
    with services.db.write() as conn:  # as a worker killed mid-job leaves it
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job.id)
            .values(state="running", started_at=long_ago, heartbeat_at=long_ago)
        )
    again = services.jobs.request(owner, project_id, "resolve")
    assert again.id != job.id
    dead = services.jobs.get(owner, job.id)
    assert dead.state == "failed"
    assert dead.error is not None
    assert "stopped" in dead.error
