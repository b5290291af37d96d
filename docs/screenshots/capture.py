"""Take the README's screenshots of the web app: ``python docs/screenshots/capture.py``.

Starts ``salessim serve`` on a free loopback port, drives Debian's Chromium with Playwright
(see DEVELOPERS.md) through the four pages with their default inputs (full-length scenarios, 10
replications), and writes what-if.png, compare.png, sweep.png and classroom.png next to this
file. Takes about a minute on 2 cores.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from salessim.app.browser import AppServer, launch_chromium

HERE = Path(__file__).resolve().parent
WIDTH = 1400
TIMEOUT_MS = 180_000
expect.set_options(timeout=TIMEOUT_MS)


def shoot(page: Page, name: str, height: int) -> None:
    """Let the charts draw, then save the top `height` pixels of the page."""
    page.wait_for_timeout(2500)
    page.screenshot(
        path=HERE / f"{name}.png", clip={"x": 0, "y": 0, "width": WIDTH, "height": height}
    )
    print(f"wrote {HERE / name}.png")


def main() -> None:
    server = AppServer(workers=2)
    try:
        server.wait_ready()
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": WIDTH, "height": 2400})
            page.set_default_timeout(TIMEOUT_MS)

            page.goto(server.url)
            volume = page.locator('input[type=range][aria-label="Marketing lead volume (%)"]')
            volume.focus()
            for _ in range(6):
                page.keyboard.press("ArrowRight")
            expect(page.get_by_text("Marketing lead volume: 100% → 130%")).to_be_visible()
            page.get_by_role("button", name="Run", exact=True).click()
            expect(page.get_by_text("Key numbers")).to_be_visible()
            shoot(page, "what-if", 2000)

            page.goto(server.url + "compare")
            page.get_by_role("button", name="Run", exact=True).click()
            expect(page.get_by_text("Key numbers")).to_be_visible()
            shoot(page, "compare", 1900)

            page.goto(server.url + "sweep")
            page.get_by_role("button", name="Run", exact=True).click()
            expect(page.get_by_text("95% CI")).to_be_visible()
            shoot(page, "sweep", 1050)

            page.goto(server.url + "classroom")
            guess = page.get_by_role("spinbutton", name="Your prediction: change in bookings (%)")
            guess.fill("20")
            guess.press("Enter")
            page.get_by_role("button", name="Run and reveal").click()
            expect(page.get_by_text("You predicted +20.0%.")).to_be_visible()
            shoot(page, "classroom", 1500)
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
