"""Schemathesis over the live ``/openapi.json``, as an owner and as an annotator.

Every operation is fuzzed over real HTTP against a project with items, gold and a lease, with
the path ids drawn now from the real objects, now at random. No answer may be a 5xx, and
every answer must be one the OpenAPI document declares: its status code, its content type
and its body's schema. The document is the contract the SDK and outside tools rely on.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from tests.conftest import LiveServer
from tests.factories.accounts import Member, Org
from tests.factories.projects import ALL_KINDS, texts
from veracity.services import Services
from veracity.storage.tables import api_tokens

# Examples per operation, generation mode and run: the four runs (two roles, two databases)
# of the whole API take about a minute and a half on two cores.
EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(params=["owner", "annotator"])
def caller(request: pytest.FixtureRequest, org: Org) -> Member:
    """Whose token the fuzzer sends."""
    member: Member = org.members[request.param]
    return member


@pytest.fixture
def api_schema(server: LiveServer, org: Org, caller: Member, services: Services) -> Any:
    """The live OpenAPI document, with real objects for the generated ids to hit."""
    owner = server.client(org.owner.token)
    project = owner.create_project("fuzzed", ALL_KINDS, {"overlap": 2})
    owner.import_items(project.id, texts(20))
    owner.upload_gold(
        project.id,
        [{"external_id": "item-0", "value": {"sentiment": "pos", "topics": [], "stars": 3}}],
    )
    worker = server.client(caller.token)
    lease = worker.next(project.id)
    assert lease is not None
    spare = worker.create_token("the fuzzer may revoke this one")
    ids = {"project_id": project.id, "assignment_id": lease.assignment_id, "token_id": spare.id}
    with services.db.read() as conn:
        own_tokens = set(
            conn.execute(select(api_tokens.c.id).where(api_tokens.c.user_id == caller.user_id))
            .scalars()
            .all()
        )
    config = schemathesis.Config.from_dict({"headers": {"Authorization": f"Bearer {caller.token}"}})
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config)

    @schema.hook("flatmap_path_parameters")
    def sometimes_real(_context: Any, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters:
            return st.just(path_parameters)
        generated = dict(path_parameters)
        if generated.get("token_id") in own_tokens:
            # Revoking the token the fuzzer sends would turn the rest of the run into 401s.
            generated["token_id"] = spare.id
        real = {name: ids[name] for name in generated if name in ids}
        return st.sampled_from([generated, {**generated, **real}])

    return schema


def test_api_answers_as_documented(api_schema: Any, server: LiveServer, caller: Member) -> None:
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(operation, mode, server.url)
    assert failures == [], "\n\n".join(failures)
    # Every call was made with live credentials (a revoked token stays revoked).
    assert server.client(caller.token).me().user_id == caller.user_id


def _fuzz(operation: Any, mode: GenerationMode, base_url: str) -> list[str]:
    """Run ``operation``'s cases of ``mode``; the failures, each with how to reproduce it."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is enough
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(base_url=base_url, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        return []  # an operation without inputs has no invalid ones to send
    except (Exception, FailureGroup) as exc:  # FailureGroup is a BaseExceptionGroup
        return [f"{operation.label} ({mode.value}): {exc}"]
    return []
