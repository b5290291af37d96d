"""Optional compiled build: the simulation's hot modules through mypyc.

Everything about the package is declared in pyproject.toml; this file only adds compiled
extension modules, and only when asked: ``SALESSIM_COMPILE=1`` at build time, with mypy (which
provides mypyc) and a C compiler installed in the build environment, for example::

    pip install mypy setuptools wheel
    SALESSIM_COMPILE=1 pip wheel . --no-deps --no-build-isolation -w dist

Without the variable, or if mypyc or the compiler is missing or fails, the build is the plain
pure-Python package (a warning says why). The compiled modules give identical results for
the same seed; they only run faster (a ``baseline`` replication in about a quarter of the CPU time
of the pure-Python build, measured alternating the two on a shared 2-core machine). The
``.py`` files ship in both builds. CI builds both wheels and checks that their results are
identical.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

COMPILE_ENV = "SALESSIM_COMPILE"
# The alarms the model schedules, the reps' dispatcher and what it calls at every step: the
# lead queue, the policies, the territory, the ledger and the random streams; the deal desk, the
# model that wires the run (its event loop and lead alarms) and the leads, deals and tasks they
# pass around.
COMPILED = [
    "salessim/agenda.py",
    "salessim/reps.py",
    "salessim/leads.py",
    "salessim/policies.py",
    "salessim/territory.py",
    "salessim/ledger.py",
    "salessim/random_streams.py",
    "salessim/deals.py",
    "salessim/model.py",
    "salessim/entities.py",
]


def _warn(message: str) -> None:
    print(f"salessim build: {message}; building pure Python", file=sys.stderr)


class OptionalBuildExt(build_ext):
    """Builds the compiled modules, or none of them if the C compiler fails (pure Python)."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # any compiler failure falls back
            _warn(f"compiling failed ({exc})")
            for ext in self.extensions:  # no half-built set: a module without its library
                for path in (self.get_ext_fullpath(ext.name), self.get_ext_filename(ext.name)):
                    if os.path.exists(path):
                        os.remove(path)
            self.extensions = []
            self.distribution.ext_modules = []


# Commands that build code; metadata-only runs (egg_info, dist_info) skip mypyc's type check.
BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}


def ext_modules() -> list[object]:
    """The mypyc extension modules if SALESSIM_COMPILE asks for them and mypyc is present."""
    if os.environ.get(COMPILE_ENV, "").strip().lower() not in ("1", "true", "yes", "on"):
        return []
    if not BUILDS.intersection(sys.argv[1:]):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _warn(f"{COMPILE_ENV} is set but mypyc (pip install mypy) is not installed")
        return []
    try:
        return list(mypycify(COMPILED, opt_level="3"))
    except (Exception, SystemExit) as exc:  # mypyc exits on a type error
        _warn(f"mypyc could not compile {', '.join(COMPILED)} ({exc})")
        return []


setup(ext_modules=ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
