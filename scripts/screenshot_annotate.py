"""Take docs/images/annotate.png: the annotate page with one field of each kind, mid-work.

A throwaway SQLite workspace and server on 127.0.0.1, and Debian's Chromium through
Playwright (never a downloaded browser). Run ``scripts/screenshot`` to refresh the picture.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import expect, sync_playwright

from veracity.app import create_app
from veracity.client import Client
from veracity.settings import Settings
from veracity.storage import schema
from veracity.storage.db import create_db_engine

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images" / "annotate.png"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORT = 8765
PASSWORD = "screenshot password"  # noqa: S105 - a throwaway workspace

SCHEMA = {
    "fields": [
        {"name": "sentiment", "kind": "choice", "options": ["positive", "negative", "neutral"]},
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
        {
            "name": "summary",
            "kind": "text",
            "required": False,
            "max_length": 200,
            "multiline": False,
        },
    ]
}
TICKETS = [
    "I was charged twice for my March invoice and the second charge still hasn't been "
    "refunded. I wrote to billing last week and nobody answered.",
    "The export button spins forever when the project has more than 10,000 items.",
    "Somebody logged into my account from a country I have never been to. Please lock it "
    "now, and tell me what they could see.",
    "How do I add a second admin to our workspace? I can't find it in settings.",
    "Love the new keyboard shortcuts, labeling is twice as fast now.",
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        engine = create_db_engine(settings, pool=False)
        schema.upgrade(engine)
        engine.dispose()
        app = create_app(settings)
        svc = app.state.services
        svc.accounts.create_org("Acme")
        svc.accounts.create_user("owner@acme.test", "Acme", "owner", PASSWORD)
        svc.accounts.create_user("ana@acme.test", "Acme", "annotator", PASSWORD, "Ana")
        token = svc.accounts.create_token("owner@acme.test", "Acme").token

        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=PORT, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline:
                sys.exit("the server did not start")
            time.sleep(0.05)
        url = f"http://127.0.0.1:{PORT}"
        try:
            with Client(url, token) as owner:
                project = owner.create_project(
                    "Support ticket triage",
                    SCHEMA,
                    {"overlap": 1},
                    "Tag every topic the ticket touches, rate how urgent it is, and write "
                    "a one-line summary a support engineer could act on.",
                )
                owner.import_items(
                    project.id,
                    [
                        {"external_id": f"t-{i:03}", "data": {"text": t}}
                        for i, t in enumerate(TICKETS, 1)
                    ],
                )
            shoot(url, project.id)
        finally:
            server.should_exit = True
            thread.join(timeout=20)
    print(f"wrote {OUT.relative_to(ROOT)}")


def shoot(url: str, project_id: int) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760}, device_scale_factor=1)
        page.goto(f"{url}/login?next=/projects/{project_id}/annotate")
        page.get_by_label("Email").fill("ana@acme.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        # Two tickets done, then mid-work on the third: a choice made, two topics, the rating
        # field active.
        item = page.locator("#item .item-text")
        for answer in (["1", "Tab", "2", "Tab", "3"], ["3", "Tab", "5", "Tab", "1"]):
            shown = item.inner_text()
            for key in [*answer, "Enter"]:
                page.keyboard.press(key)
            expect(item).not_to_have_text(shown)
        # Mid-work on the third ticket: a choice made, two topics, the rating field active.
        keys = page.keyboard
        keys.press("2")
        keys.press("Tab")
        keys.press("3")
        keys.press("4")
        keys.press("Tab")
        keys.press("5")
        keys.press("Tab")
        keys.type("Account takeover from abroad: lock it")
        keys.press("Shift+Tab")
        page.mouse.move(0, 0)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT))
        browser.close()


if __name__ == "__main__":
    main()
