"""The generative-AI widgets in a real Chromium: a person does the work, the API shows it.

Each test labels through the annotate page (keys first, the mouse where a person would use
it, such as dragging a ranked card) and reads back what was stored through the API's
resolutions (overlap 1: the one annotation is the resolution).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import LiveServer
from tests.factories.accounts import Member, Org
from veracity.client import Client

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, LiveServer, Member, str], None]
HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


def start(
    page: Page,
    server: LiveServer,
    sign_in: SignIn,
    org: Org,
    schema: dict[str, Any],
    items: list[dict[str, Any]],
) -> tuple[Client, int]:
    """A project with ``items``; the annotator signed in on its annotate page."""
    owner = server.client(org.owner.token)
    project = owner.create_project("GenAI", schema)
    owner.import_items(
        project.id, [{"external_id": f"x-{i}", "data": d} for i, d in enumerate(items)]
    )
    sign_in(page, server, org.annotator, f"/projects/{project.id}/annotate")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    return owner, project.id


def resolved(owner: Client, project_id: int) -> dict[str | None, dict[str, Any]]:
    """Each item's stored value, by external id, through the API."""
    return {r.external_id: r.value for r in owner.resolutions(project_id)}


def submit_and_wait(page: Page, then: str | None = None) -> None:
    """Submit with Enter and wait for the item ``then`` (an external id) to be on screen, or
    for the end of the work when ``then`` is None."""
    page.keyboard.press("Enter")
    if then is None:
        expect(page.locator("#no-work")).to_be_visible()
    else:
        expect(page.locator("#item .item-meta")).to_have_text(then)


def test_pairwise_by_keys_with_markdown_side_by_side(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    schema = {"fields": [{"name": "preference", "kind": "pairwise"}]}
    items = [
        {
            "prompt": "Reverse a list in **Python**.",
            "response_a": "Use `reversed`:\n\n```python\nlist(reversed(xs))\n```",
            "response_b": HOSTILE + "\n\n- one\n- *two*",
        },
        {"prompt": "Say hi.", "response_a": "Hi!", "response_b": "Hello!"},
    ]
    owner, pid = start(page, server, sign_in, org, schema, items)
    pair = page.locator(".pair")
    # The responses are side by side, rendered as Markdown, and task data stays text.
    expect(pair.locator(".response-card")).to_have_count(2)
    expect(pair.locator("pre code")).to_have_text("list(reversed(xs))")
    expect(pair.locator("li em")).to_have_text("two")
    expect(pair.locator("[data-response=response_b]")).to_contain_text(HOSTILE)
    expect(page.locator(".prompt strong")).to_have_text("Python")
    assert page.locator("#annotate img, #annotate script:not([type])").count() == 0

    page.keyboard.press("2")  # B is better
    page.keyboard.press("5")  # "better": the second strength
    expect(pair).to_have_attribute("data-choice", "b")
    page.keyboard.press("r")
    expect(page.locator("textarea[name=preference-rationale]")).to_be_focused()
    page.keyboard.type("A is fine; B lists.")
    page.keyboard.press("Escape")
    submit_and_wait(page, "x-1")
    page.keyboard.press("3")  # a tie takes no strength
    page.keyboard.press("6")
    submit_and_wait(page)

    assert page.evaluate("window.pwned") is None
    assert resolved(owner, pid) == {
        "x-0": {"preference": {"choice": "b", "strength": 2, "rationale": "A is fine; B lists."}},
        "x-1": {"preference": {"choice": "tie", "strength": None, "rationale": ""}},
    }


def test_rank_three_responses_with_keys_and_drag(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    schema = {"fields": [{"name": "order", "kind": "ranking"}]}
    items = [
        {
            "prompt": "Capital of France?",
            "responses": ["Lyon.", "Paris.", "It is Paris, of course."],
        },
        {"prompt": "2+2?", "responses": {"ans1": "4", "ans2": "Four.", "ans3": "5"}},
    ]
    owner, pid = start(page, server, sign_in, org, schema, items)
    cards = page.locator(".ranked .rank-card")
    expect(cards).to_have_count(3)
    # Pick the third card and move it to the top with the keys: c, a, b.
    page.keyboard.press("3")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator(".ranked")).to_have_attribute("data-order", "c,a,b")
    # Then drag b onto a's place: c, b, a.
    cards.nth(2).drag_to(cards.nth(1))
    expect(page.locator(".ranked")).to_have_attribute("data-order", "c,b,a")
    expect(cards.first.locator(".rank-place")).to_have_text("1")
    submit_and_wait(page, "x-1")

    # ans1, ans2, ans3: pick ans3, up with K (ans1, ans3, ans2), then ans1 down with J.
    for key in ("3", "k", "1", "j"):
        page.keyboard.press(key)
    expect(page.locator(".ranked")).to_have_attribute("data-order", "ans3,ans1,ans2")
    submit_and_wait(page)
    assert resolved(owner, pid) == {
        "x-0": {"order": ["c", "b", "a"]},
        "x-1": {"order": ["ans3", "ans1", "ans2"]},
    }


def test_rubric_one_row_per_criterion(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    schema = {
        "fields": [
            {
                "name": "scores",
                "kind": "rubric",
                "criteria": [
                    {"name": "helpfulness", "min": 1, "max": 7},
                    {"name": "correctness", "min": 1, "max": 7},
                    {"name": "harmless", "min": 0, "max": 1},
                ],
            }
        ]
    }
    items = [{"prompt": "Boil an egg?", "response": "Boil it **9 minutes**."}]
    owner, pid = start(page, server, sign_in, org, schema, items)
    expect(page.locator(".response-card strong")).to_have_text("9 minutes")
    expect(page.locator(".criterion")).to_have_count(3)
    for key in ("6", "7", "1", "ArrowUp", "5"):  # the last row stays; up to fix row 2
        page.keyboard.press(key)
    submit_and_wait(page)
    assert resolved(owner, pid) == {
        "x-0": {"scores": {"helpfulness": 6, "correctness": 5, "harmless": 1}}
    }


def test_rubric_per_assistant_turn_of_a_conversation(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    schema = {
        "fields": [
            {
                "name": "turns",
                "kind": "rubric",
                "prompt": "messages",
                "response": None,
                "per_turn": True,
                "criteria": [
                    {"name": "helpful", "min": 1, "max": 5},
                    {"name": "safe", "min": 0, "max": 1},
                ],
            }
        ]
    }
    chat = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "No."},
    ]
    owner, pid = start(page, server, sign_in, org, schema, [{"messages": chat}])
    expect(page.locator(".chat [data-turn='2'] .chat-role")).to_have_text("assistant · turn 2")
    expect(page.locator(".criteria-group")).to_have_count(2)
    expect(page.locator(".turn-head").nth(1)).to_have_text("Turn 2: No.")
    for key in ("4", "1", "2", "1"):
        page.keyboard.press(key)
    submit_and_wait(page)
    assert resolved(owner, pid) == {
        "x-0": {"turns": [{"helpful": 4, "safe": 1}, {"helpful": 2, "safe": 1}]}
    }


def test_write_a_response_to_a_conversation_shown_as_chat(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    schema = {"fields": [{"name": "ideal", "kind": "response", "prompt": "messages"}]}
    chat = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is *HTTP 418*?"},
        {"role": "assistant", "content": "A teapot."},
        {"role": "user", "content": "Seriously?"},
    ]
    items = [{"messages": chat}, {"messages": [*chat, {"role": "assistant", "content": "Yes"}]}]
    owner, pid = start(page, server, sign_in, org, schema, items)
    turns = page.locator(".prompt .chat .chat-turn")
    expect(turns).to_have_count(4)
    expect(turns.nth(1)).to_have_class("chat-turn chat-user")
    expect(turns.nth(1).locator("em")).to_have_text("HTTP 418")
    box = page.locator("textarea[name=ideal]")
    expect(box).to_be_focused()
    page.keyboard.type("Yes: RFC 2324, an April Fools' joke.")
    page.keyboard.press("Control+Enter")
    # A conversation ending with an assistant turn is a rewrite: the box starts from it.
    expect(box).to_have_value("Yes")
    page.keyboard.type(", really.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#no-work")).to_be_visible()
    assert resolved(owner, pid) == {
        "x-0": {"ideal": "Yes: RFC 2324, an April Fools' joke."},
        "x-1": {"ideal": "Yes, really."},
    }


def test_write_two_steps_and_an_answer(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    schema = {"fields": [{"name": "solution", "kind": "reasoning"}]}
    owner, pid = start(page, server, sign_in, org, schema, [{"problem": "What is 2 + 3 * 4?"}])
    expect(page.locator(".prompt")).to_contain_text("What is 2 + 3 * 4?")
    page.keyboard.type("2 + 12 = 14")
    page.keyboard.press("Shift+Enter")  # a second step
    page.keyboard.type("3 * 4 = 12")
    page.keyboard.press("Alt+ArrowUp")  # which comes first
    steps = page.locator(".steps-editor textarea")
    expect(steps).to_have_count(2)
    expect(steps.first).to_have_value("3 * 4 = 12")
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Backspace")  # an empty third step goes away again
    expect(steps).to_have_count(2)
    page.get_by_role("button", name="+ Add step").click()
    page.get_by_role("button", name="remove step").last.click()
    expect(steps).to_have_count(2)
    # Tab goes through the steps to the final answer; Enter there submits.
    steps.first.focus()
    page.keyboard.press("Tab")
    expect(steps.nth(1)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("solution final answer")).to_be_focused()
    page.keyboard.type("14")
    page.keyboard.press("Enter")
    expect(page.locator("#no-work")).to_be_visible()
    assert resolved(owner, pid) == {
        "x-0": {"solution": {"steps": ["3 * 4 = 12", "2 + 12 = 14"], "answer": "14"}}
    }


def test_an_empty_step_is_named_by_the_server(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    schema = {"fields": [{"name": "solution", "kind": "reasoning"}]}
    start(page, server, sign_in, org, schema, [{"problem": "1 + 1?"}])
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("1 + 1 = 2")
    page.get_by_label("solution final answer").fill("2")
    page.get_by_label("solution final answer").press("Enter")
    expect(page.locator("#notice")).to_have_text("field 'solution.steps[0]': empty step")
    expect(page.locator(".field[data-field=solution]")).to_have_class(re.compile(r"\binvalid\b"))


def test_rate_each_step_with_c_i_n(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    schema = {"fields": [{"name": "review", "kind": "step_review"}]}
    solution = {"steps": ["3 * 4 = 12", "2 + 12 = 15", "So the answer is `15`."], "answer": "15"}
    owner, pid = start(
        page, server, sign_in, org, schema, [{"problem": "2 + 3 * 4?", "steps": solution}]
    )
    steps = page.locator(".review-steps .review-step")
    expect(steps).to_have_count(3)
    expect(steps.nth(2).locator("code")).to_have_text("15")
    page.keyboard.press("c")
    page.keyboard.press("i")
    page.keyboard.press("n")
    expect(page.locator(".first-error")).to_have_text("3 of 3 steps rated · first error: step 2")
    page.keyboard.press("i")  # the highlight stays on the last step: it is wrong too
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("c")  # the first step again, still correct
    expect(steps.nth(2)).to_have_attribute("data-rating", "incorrect")
    submit_and_wait(page)
    expect(page.locator("#no-work")).to_be_visible()
    assert resolved(owner, pid) == {
        "x-0": {"review": {"ratings": ["correct", "incorrect", "incorrect"], "first_error": 1}}
    }


MARKDOWN_CASES = """# Title <b>x</b>
Some *em*, **strong**, _under_, `code <i>` and [a link](javascript:alert(1)).
<script>window.pwned=3</script>

```html
<img src=x onerror="window.pwned=4">
```

- item **one**
  more of item one
3. three
> quoted `q`

```
never closed <svg onload="window.pwned=5">"""


def test_markdown_builds_only_safe_nodes(
    server: LiveServer, org: Org, page: Page, sign_in: SignIn
) -> None:
    sign_in(page, server, org.annotator, "/projects")
    shape = page.evaluate(
        """async (text) => {
            const { markdown } = await import("/static/markdown.js");
            const root = markdown(text);
            document.body.append(root);
            const tags = [...root.querySelectorAll("*")].map((n) => n.tagName.toLowerCase());
            const attrs = [...root.querySelectorAll("*")]
                .flatMap((n) => [...n.attributes].map((a) => a.name));
            return {
                tags: [...new Set(tags)].sort(),
                attrs: [...new Set(attrs)].sort(),
                heading: root.querySelector(".md-h").textContent,
                pres: [...root.querySelectorAll("pre")].map((p) => p.textContent),
                text: root.textContent,
            };
        }""",
        MARKDOWN_CASES,
    )
    assert set(shape["tags"]) <= {
        "p",
        "br",
        "strong",
        "em",
        "code",
        "pre",
        "ul",
        "ol",
        "li",
        "blockquote",
    }
    assert {"ul", "ol", "blockquote", "strong", "em", "code", "pre"} <= set(shape["tags"])
    assert set(shape["attrs"]) <= {"class", "data-lang", "start"}
    assert shape["heading"] == "Title <b>x</b>"
    assert shape["pres"] == [
        '<img src=x onerror="window.pwned=4">',
        'never closed <svg onload="window.pwned=5">',
    ]
    assert "[a link](javascript:alert(1))" in shape["text"]
    assert "<script>window.pwned=3</script>" in shape["text"]
    assert page.evaluate("window.pwned") is None
