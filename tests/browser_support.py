"""The browser tests' shared set-up: Playwright driving Debian's Chromium against a real
``salessim serve`` on a free loopback port.

Importing this module skips the importing test module when Streamlit, Playwright or Chromium
is missing. The browser itself and a fresh browser session per test are fixtures of
``tests/conftest.py`` (``browser``, ``context``, ``page``); a test module starts its server with
:func:`serve` in a module-scoped fixture. See DEVELOPERS.md for the set-up
(``apt-get install chromium``) and the browser flags.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")
pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'"
)

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from salessim.app.browser import CHROMIUM, AppServer, launch_chromium

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: apt-get install chromium (see DEVELOPERS.md)",
        allow_module_level=True,
    )

TIMEOUT_MS = 90_000  # a 2-core machine runs the server, its workers and the browser at once
expect.set_options(timeout=TIMEOUT_MS)  # assertions wait as long as actions
SETTLE_MS = 400  # a slider value counts once it has held this long
VIEWPORT: ViewportSize = {"width": 1400, "height": 1600}
MARKS = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
"""Every browser test module's ``pytestmark``: one xdist worker runs them all."""


@contextlib.contextmanager
def serve(
    tmp_path_factory: pytest.TempPathFactory, extra_args: Sequence[str] = ()
) -> Iterator[str]:
    """``salessim serve`` (two workers, `extra_args`) for the block; yields its URL. Its log
    is shown if it does not start; the port must be free again once it stops."""
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    with log_path.open("wb") as log:
        app = AppServer(workers=2, log=log, extra_args=extra_args)
        try:
            try:
                app.wait_ready()
            except Exception as exc:
                raise AssertionError(f"{exc}\n{log_path.read_text(errors='replace')}") from exc
            yield app.url
        finally:
            assert app.stop(), f"port {app.port} still in use after the server stopped"


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright, headless, for the block."""
    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        try:
            yield launched
        finally:
            launched.close()


def new_context(browser: Browser, viewport: ViewportSize = VIEWPORT) -> BrowserContext:
    """A new browser session (its own cookies), whose actions wait up to TIMEOUT_MS."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def move_slider(page: Page, label: str, target: int, first_key: str | None = None) -> None:
    """Focus a slider (an <input type=range>) and press arrow keys until it rests at `target`.

    One key at a time, checking the value in between: the page reruns after each change, and
    a rerun that arrives late can move the slider back to the value it was sent with.
    """
    # Streamlit's sliders are <input type=range> labelled by aria-label.
    slider = page.locator(f'input[type=range][aria-label="{label}"]')
    slider.focus()
    if first_key is not None:
        page.keyboard.press(first_key)
    for _ in range(60):
        value = round(float(slider.input_value()))
        if value == target:
            page.wait_for_timeout(SETTLE_MS)
            if round(float(slider.input_value())) == target:
                expect(slider).to_have_value(str(target))
                return
            continue
        slider.focus()
        page.keyboard.press("ArrowRight" if value < target else "ArrowLeft")
        page.wait_for_timeout(150)
    raise AssertionError(f"slider {label!r} did not settle at {target}")
