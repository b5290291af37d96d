"""The script Streamlit's AppTest runs to show one page of the app (shared by the page tests)."""

from __future__ import annotations


def page_script(module: str, page: str) -> str:
    """A script showing ``salessim.app.<module>.<page>()``, only under ``__main__`` as the
    app's own script does: the pool's fork server imports the main script again and must not
    build a page when it does."""
    return f'from salessim.app import {module}\nif __name__ == "__main__":\n    {module}.{page}()\n'
