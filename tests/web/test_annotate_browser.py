"""The annotate page in a real Chromium: a person signs in and labels with the keyboard only.

Each test checks what was stored through the database, and that the page never reloaded
(a marker set on ``window`` survives) while items came and went.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import LiveServer
from tests.factories.accounts import Member, Org
from tests.factories.labels import stored_annotations, stored_assignments
from tests.factories.projects import ALL_KINDS, SENTIMENT, texts
from veracity.services import Services

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, LiveServer, Member, str], None]


def open_annotate(
    page: Page, server: LiveServer, sign_in: SignIn, member: Member, pid: int
) -> None:
    """Sign in through the form, land on the annotate page, and mark this document."""
    sign_in(page, server, member, f"/projects/{pid}/annotate")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.evaluate("window.sameDocument = true")


def still_same_document(page: Page) -> bool:
    """Whether the page was never reloaded since ``open_annotate``."""
    return page.evaluate("window.sameDocument === true") is True


def test_label_three_items_with_the_keyboard(
    server: LiveServer, org: Org, services: Services, page: Page, sign_in: SignIn
) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("Sentiment", SENTIMENT)
    owner.import_items(project.id, texts(5))
    worker = server.client(org.annotator.token)
    open_annotate(page, server, sign_in, org.annotator, project.id)
    item = page.locator("#item .item-text")
    chosen: dict[str, str] = {}
    for count, (key, option) in enumerate([("1", "pos"), ("3", "neu"), ("2", "neg")], 1):
        # The next item is leased while this one is on screen.
        expect(page.locator("#annotate")).to_have_attribute("data-queued", "2")
        on_screen, ahead = worker.open_leases(project.id)
        expect(item).to_have_text(on_screen.item.data["text"])
        page.keyboard.press(key)
        expect(page.locator(f"#fields input[value={option}]")).to_be_checked()
        page.keyboard.press("Enter")
        # The item fetched ahead appears, and the count of this session goes up.
        expect(item).to_have_text(ahead.item.data["text"])
        expect(page.locator("#session-count")).to_have_text(str(count))
        chosen[on_screen.item.data["text"]] = option
    assert still_same_document(page)

    stored = stored_annotations(services, project.id)
    assert {a.item_text: a.value for a in stored} == {
        text: {"sentiment": option} for text, option in chosen.items()
    }
    assert {a.user_id for a in stored} == {org.annotator.user_id}
    for annotation in stored:
        assert annotation.seconds is not None
        assert 0 < annotation.seconds < 120


def test_every_kind_by_keyboard_and_skip(
    server: LiveServer, org: Org, services: Services, page: Page, sign_in: SignIn
) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("All kinds", ALL_KINDS, None, "Mark every topic you see.")
    owner.import_items(project.id, texts(4))
    open_annotate(page, server, sign_in, org.annotator, project.id)
    item = page.locator("#item .item-text")
    active = page.locator("#fields .field.active")
    seen: list[str] = []

    # The instructions are one key away.
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help")).to_contain_text("Mark every topic you see.")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_hidden()

    # 1. Every field by keyboard: choice, multi choice toggled, rating, then text.
    seen.append(item.inner_text())
    expect(active).to_have_attribute("data-field", "sentiment")
    page.keyboard.press("2")
    page.keyboard.press("Tab")
    expect(active).to_have_attribute("data-field", "topics")
    for key in ("1", "3", "1"):  # a on, c on, a off again
        page.keyboard.press(key)
    page.keyboard.press("Tab")
    expect(active).to_have_attribute("data-field", "stars")
    page.keyboard.press("5")
    page.keyboard.press("Shift+Tab")
    expect(active).to_have_attribute("data-field", "topics")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(active).to_have_attribute("data-field", "note")
    note = page.locator("textarea[name=note]")
    expect(note).to_be_focused()
    # In the text box, S and digits are text, and Enter is a line break.
    page.keyboard.type("S 2")
    page.keyboard.press("Enter")
    page.keyboard.type("ok")
    expect(note).to_have_value("S 2\nok")
    page.keyboard.press("Control+Enter")
    expect(item).not_to_have_text(seen[-1])

    # 2. S skips.
    seen.append(item.inner_text())
    page.keyboard.press("s")
    expect(item).not_to_have_text(seen[-1])

    # 3. Enter submits once focus has left the text box (here it never entered it).
    seen.append(item.inner_text())
    page.keyboard.press("1")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    expect(item).not_to_have_text(seen[-1])

    # 4. Esc leaves the text box; then Enter submits.
    seen.append(item.inner_text())
    page.keyboard.press("3")
    page.keyboard.press("Shift+Tab")
    expect(note).to_be_focused()
    page.keyboard.type("x")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("1")
    page.keyboard.press("Enter")

    # The skipped item never comes back to this person: the page runs out of work.
    expect(page.locator("#no-work")).to_be_visible()
    page.get_by_role("button", name="Check again").click()
    expect(page.locator("#no-work")).to_be_visible()
    expect(page.locator("#session-count")).to_have_text("3")
    assert still_same_document(page)
    assert len(set(seen)) == 4

    by_text = {a.item_text: a.value for a in stored_annotations(services, project.id)}
    assert by_text == {
        seen[0]: {"sentiment": "neg", "topics": ["c"], "stars": 5, "note": "S 2\nok"},
        seen[2]: {"sentiment": "pos", "topics": [], "stars": 3},
        seen[3]: {"sentiment": "neu", "topics": [], "stars": 1, "note": "x"},
    }
    skipped = [a for a in stored_assignments(services, project.id) if a.status == "skipped"]
    assert len(skipped) == 1
    assert skipped[0].user_id == org.annotator.user_id
    assert server.client(org.annotator.token).next(project.id) is None
    # Someone else does get the skipped item.
    other = server.client(org.members["annotator2"].token).next(project.id)
    assert other is not None
    assert other.item.data["text"] == seen[1]


HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


def test_task_data_is_text_never_html(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    owner = server.client(org.owner.token)
    schema = {
        "fields": [
            {"name": "verdict", "kind": "choice", "options": ["<b>ok</b>", HOSTILE]},
            {"name": "why", "kind": "text", "required": False},
        ]
    }
    project = owner.create_project(
        "<script>window.pwned=3</script>", schema, None, '<svg onload="window.pwned=4">'
    )
    data = {"text": HOSTILE, "source": "<a href='javascript:window.pwned=5'>x</a>"}
    data["nested"] = {"html": "<iframe src=javascript:window.pwned=6>"}
    owner.import_items(project.id, [{"external_id": "<i>x</i>", "data": data}])
    open_annotate(page, server, sign_in, org.annotator, project.id)
    page.keyboard.press("?")

    expect(page.locator("#item .item-text")).to_have_text(HOSTILE)
    expect(page.locator("#item")).to_contain_text("<a href='javascript:window.pwned=5'>x</a>")
    expect(page.locator("#item")).to_contain_text("<iframe src=javascript:window.pwned=6>")
    expect(page.locator("#fields")).to_contain_text(HOSTILE)
    expect(page.locator("h1")).to_have_text("<script>window.pwned=3</script>")
    expect(page.locator("#help")).to_contain_text('<svg onload="window.pwned=4">')
    markup = "img, script:not([src]):not([type='application/json']), svg, iframe, a[href^=java], b"
    assert page.locator(f"#annotate :is({markup})").count() == 0
    assert page.evaluate("window.pwned") is None
    # Nothing ran even after the item was worked on.
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(page.locator("#no-work")).to_be_visible()
    assert page.evaluate("window.pwned") is None


def test_an_invalid_answer_names_the_field_and_keeps_the_item(
    server: LiveServer, org: Org, services: Services, page: Page, sign_in: SignIn
) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("Sentiment", SENTIMENT)
    owner.import_items(project.id, texts(3))
    open_annotate(page, server, sign_in, org.annotator, project.id)
    item = page.locator("#item .item-text")
    expect(page.locator("#annotate")).to_have_attribute("data-queued", "2")
    first = item.inner_text()

    page.keyboard.press("Enter")  # nothing chosen: the server answers 422
    expect(page.locator("#notice")).to_have_text("field 'sentiment': is required")
    expect(page.locator(".field[data-field=sentiment]")).to_have_class(re.compile("invalid"))
    expect(item).to_have_text(first)
    assert stored_annotations(services, project.id) == []

    # A reload shows the same leased item again, not a new one.
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(item).to_have_text(first)

    page.keyboard.press("1")
    page.keyboard.down("Enter")
    expect(item).not_to_have_text(first)
    expect(page.locator("#notice")).to_be_hidden()
    # Enter still held down (a key repeat) does not go on to submit the next item.
    second = item.inner_text()
    page.keyboard.down("Enter")
    page.keyboard.up("Enter")
    page.keyboard.press("?")  # a later key: by the time it is handled, the repeat was too
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#annotate")).to_have_attribute("data-busy", "false")
    expect(page.locator("#notice")).to_be_hidden()
    expect(item).to_have_text(second)
    assert [a.item_text for a in stored_annotations(services, project.id)] == [first]
