"""The review page in a real browser: Debian's Chromium, driven by Playwright through its path.

Skipped when there is no Chromium (or no Playwright) here, except under CI (the ``CI``
environment variable set), where a missing browser fails the test: ``.ci/run`` installs it.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageStat

from cat_breeds_vlm.cli import main

#: Where Debian's ``chromium`` package puts the browser (``CHROMIUM`` overrides it).
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: Flags that work in a container as root with no GPU and no network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_or_skip():
    """Playwright's sync API, or a skip (a failure under CI) when it or Chromium is missing."""
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[test]')"
    if problem is None and not Path(CHROMIUM).is_file():
        problem = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {problem}")
        pytest.skip(problem)
    return sync_playwright


@pytest.fixture(scope="module")
def sync_playwright():
    """Playwright's entry point, once Chromium and Playwright are known to be here."""
    return _browser_or_skip()


@pytest.fixture(scope="module")
def review_page(sync_playwright, small_build, small_tree, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "review.html"
    args = ["review", str(small_build), "-o", str(out), "--per-breed", "4", "--images", str(small_tree[0])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out


def _visible(page, selector: str) -> list[str]:
    """The data-breed of every element matching ``selector`` that the browser lays out."""
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.getClientRects().length > 0).map(e => e.dataset.breed)"
    )


def test_the_page_works_in_chromium_from_disk(sync_playwright, review_page, tmp_path):
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url[:100]}"))
            page.on("request", lambda r: requests.append(r.url))
            url = review_page.resolve().as_uri()
            page.goto(url, wait_until="load")

            # Thumbnails appear as they scroll into view.
            page.locator("#samples").scroll_into_view_if_needed()
            page.wait_for_function(
                "[...document.querySelectorAll('#samples img')].some(i => i.complete && i.naturalWidth > 0)"
            )
            loaded = page.eval_on_selector_all("#samples img[src]", "els => els.map(e => e.naturalWidth)")
            assert loaded and all(width > 0 for width in loaded)
            untouched = page.eval_on_selector_all("img[data-t]:not([src])", "els => els.length")
            assert untouched > 0  # pictures far below the screen are not decoded yet

            # The filter hides every other breed's rows and grids, and shows them again.
            all_rows = _visible(page, "#breeds tr[data-breed]")
            assert len(all_rows) > 3
            page.fill("#filter", "beng")
            assert _visible(page, "#breeds tr[data-breed]") == ["bengal"]
            assert _visible(page, "section.breed") == ["bengal"]
            assert all("bengal" in tag.split("|") for tag in _visible(page, ".group[data-breed]"))
            assert page.inner_text("#filter-count") == f"1 of {len(all_rows)} breeds"
            page.fill("#filter", "")
            assert _visible(page, "#breeds tr[data-breed]") == all_rows

            # A click shows the conversation; Escape hides it, Enter on a focused picture shows it.
            page.locator("#samples figure").first.click()
            assert page.locator("#detail").is_visible()
            assert page.locator("#detail .turn.human").first.inner_text().startswith("human: <image>")
            page.keyboard.press("Escape")
            assert not page.locator("#detail").is_visible()
            page.locator("#samples figure").nth(1).focus()
            page.keyboard.press("Enter")
            assert page.locator("#detail").is_visible()

            shot = tmp_path / "review.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert problems == []
    assert all(r == url or r.startswith("data:") for r in requests), requests
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    assert image.size == (1280, 900)
    colours = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).getcolors()
    assert len(colours) > 8 and max(ImageStat.Stat(image).stddev) > 20  # not blank, not one colour


def test_the_photos_are_on_the_first_screen_before_the_chart_and_table(sync_playwright, review_page):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(review_page.resolve().as_uri(), wait_until="load")
            assert page.evaluate("window.scrollY") == 0
            first = page.locator("#samples figure img").first
            box = first.bounding_box()
            assert box is not None and 0 < box["y"] and box["y"] + box["height"] <= 800, box
            page.wait_for_function(  # its thumbnail shows without any scrolling
                "(() => { const i = document.querySelector('#samples figure img');"
                " return i.complete && i.naturalWidth > 0; })()"
            )
            tops = {s: page.locator(f"#{s}").bounding_box()["y"] for s in ("samples", "chart", "breeds", "skipped")}
            assert tops["samples"] < tops["chart"] < tops["breeds"] < tops["skipped"], tops
        finally:
            browser.close()
