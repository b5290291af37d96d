"""The script ``streamlit run`` executes (``salessim serve`` starts it).

The page body runs only under ``__main__``: worker processes started with ``spawn`` or
``forkserver`` import the main script again, and must not build a page when they do.
"""

if __name__ == "__main__":
    from salessim.app.pages import main

    main()
