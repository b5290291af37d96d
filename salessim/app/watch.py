"""Redraw a page when something stored on the server changed since the page was drawn.

A room's page shows what the trainer did (pushed, revealed, opened or closed a round); other
browser sessions change it. The page records the state it was drawn from under a session key,
then calls :func:`watch`: a fragment that reads the state again every few seconds and reruns
the whole app when it differs. Only the small state is read on each tick, never the page.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import streamlit as st


def watch(seen_key: str, state: Callable[[], Hashable], every_seconds: float) -> None:
    """Rerun the app when `state()` no longer equals what the page stored under `seen_key`
    (checked now and every `every_seconds` while the page is open)."""
    st.fragment(_check, run_every=every_seconds)(seen_key, state)


def _check(seen_key: str, state: Callable[[], Hashable]) -> None:
    if st.session_state.get(seen_key) != state():
        st.rerun(scope="app")
