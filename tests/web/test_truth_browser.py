"""The project page's truth-inference card in a real browser: re-run the refit, watch it
finish, and see the model it stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.api.test_truth_jobs import _project
from tests.conftest import LiveServer
from tests.factories.accounts import Member, Org

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_the_refit_button_runs_the_job_and_shows_the_model(
    server: LiveServer,
    org: Org,
    page: Page,
    sign_in: Callable[[Page, LiveServer, Member, str], None],
) -> None:
    project_id = _project(server, org)
    path = f"/projects/{project_id}"
    sign_in(page, server, org.members["manager"], path)
    card = page.locator("#truth")
    assert "No model fitted yet" in card.inner_text()
    assert page.locator("#job").get_attribute("data-job") is None
    page.locator("#refit").click()
    # The card follows the job's progress, then the page reloads with the stored model.
    page.wait_for_selector('#job[data-state="done"]')
    page.wait_for_selector('[data-method="sentiment"]')
    assert page.locator('[data-method="sentiment"]').inner_text() == "dawid_skene"
    assert page.locator('[data-model="annotations_seen"]').inner_text() == "150"
    assert page.locator("#job progress").get_attribute("value") == "1.0"
    assert page.locator("#refit").is_enabled()


def test_annotators_see_no_truth_card(
    server: LiveServer,
    org: Org,
    page: Page,
    sign_in: Callable[[Page, LiveServer, Member, str], None],
) -> None:
    project_id = _project(server, org)
    sign_in(page, server, org.annotator, f"/projects/{project_id}")
    assert page.locator("#truth").count() == 0
