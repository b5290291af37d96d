"""The classroom web app started by ``salessim serve`` (needs the ``app`` extra: Streamlit).

The compute layer (levers, work budget, result cache, process pool, views of results, uploads)
is plain Python, testable without Streamlit; only :mod:`salessim.app.ui` and
:mod:`salessim.app.charts` build pages. Every simulation goes through
:func:`salessim.experiments.run_chunk`, so the app shows the library's numbers.
"""
