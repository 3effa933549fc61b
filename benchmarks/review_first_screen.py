"""Where the photos of a review page are on its first screen, in a real Chromium.

    python benchmarks/review_first_screen.py review.html

Opens the page at 1280 x 800 without scrolling (Playwright driving ``/usr/bin/chromium``) and
prints the first sample photo's top, the page's height, and how many pictures (``figure img``)
lie at least partly on the first screen. Run by hand; not part of the test suite.
"""

from __future__ import annotations

import argparse
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 800}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", type=Path, help="a page `cat-breeds-vlm review` wrote")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(args.page.resolve().as_uri(), wait_until="load")
            top = page.locator("#samples figure img").first.bounding_box()["y"]
            height = page.evaluate("document.documentElement.scrollHeight")
            shown = page.evaluate(
                "[...document.querySelectorAll('figure img')].filter(i => {"
                f" const r = i.getBoundingClientRect(); return r.top < {VIEWPORT['height']} && r.bottom > 0; }}).length"
            )
        finally:
            browser.close()
    print(f"first photo's top {top:,.0f} px; page height {height:,} px; pictures on the first screen {shown}")


if __name__ == "__main__":
    main()
