"""Take docs/images/kinds/<kind>.png: the annotate page of each generative-AI kind, mid-work.

The projects and items are the demo's (``veracity.cli.demo.GENAI_PROJECTS``); a throwaway
SQLite workspace and server on 127.0.0.1, and Debian's Chromium through Playwright (never a
downloaded browser). Run ``scripts/screenshot`` to refresh every picture.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from veracity.app import create_app
from veracity.cli.demo import GENAI_PROJECTS, _records
from veracity.client import Client
from veracity.settings import Settings
from veracity.storage import schema
from veracity.storage.db import create_db_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshot_annotate import ARGS, CHROMIUM, PASSWORD

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images" / "kinds"
PORT = 8766


def pairwise(page: Page) -> None:
    for key in ("2", "5", "r"):
        page.keyboard.press(key)
    page.keyboard.type("A's set loses the order; B keeps it and says why.")


def ranking(page: Page) -> None:
    for key in ("2", "ArrowUp", "3"):
        page.keyboard.press(key)


def rubric(page: Page) -> None:
    for key in ("6", "7"):
        page.keyboard.press(key)


def response(page: Page) -> None:
    page.keyboard.type(
        "Most often it is wear: a stretched chain or a worn cassette skips under load.\n\n"
        "1. Measure the chain with a checker.\n2. If it is past **0.75%**, replace it"
    )


def reasoning(page: Page) -> None:
    page.keyboard.type("After a 20% discount the shirt costs 80% of the original price p.")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("So 0.8 p = 40, and p = 40 / 0.8 = 50.")
    page.get_by_label("solution final answer").fill("£50")


def step_review(page: Page) -> None:
    for key in ("c", "c", "i"):
        page.keyboard.press(key)


ACTIONS: dict[str, Callable[[Page], None]] = {
    "pairwise": pairwise,
    "ranking": ranking,
    "rubric": rubric,
    "response": response,
    "reasoning": reasoning,
    "step_review": step_review,
}


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
            projects = {}
            with Client(url, token) as owner:
                for spec in GENAI_PROJECTS:
                    project = owner.create_project(
                        spec["name"], spec["schema"], spec["workflow"], spec["instructions"]
                    )
                    owner.import_items(project.id, _records(spec["file"]))
                    projects[spec["schema"]["fields"][0]["kind"]] = project.id
            shoot(url, projects)
        finally:
            server.should_exit = True
            thread.join(timeout=20)


def shoot(url: str, projects: dict[str, int]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
        page.goto(f"{url}/login?next=/projects")
        page.get_by_label("Email").fill("ana@acme.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_url(f"{url}/projects")
        for kind, project_id in projects.items():
            page.goto(f"{url}/projects/{project_id}/annotate")
            expect(page.locator("body")).to_have_attribute("data-ready", "true")
            ACTIONS[kind](page)
            page.mouse.move(0, 0)
            path = OUT / f"{kind}.png"
            page.screenshot(path=str(path))
            print(f"wrote {path.relative_to(ROOT)}")
        browser.close()


if __name__ == "__main__":
    main()
