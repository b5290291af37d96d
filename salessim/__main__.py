"""``python -m salessim``: the same command line as the ``salessim`` console script."""

from salessim.cli import entry

if __name__ == "__main__":
    entry()
