"""``python -m salessim``: the same command line as the ``salessim`` console script."""

from salessim.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
