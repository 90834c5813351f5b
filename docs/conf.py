"""Sphinx configuration for airflow-provider-cams.

Build (what ``make docs`` runs)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The build needs no network: no intersphinx inventory is fetched, so references to Python's, Airflow's
and the Alibaba SDK's own classes stay plain text (see ``nitpick_ignore_regex`` for ``-n`` builds).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# autodoc imports the provider, hence Airflow, which creates $AIRFLOW_HOME (default ~/airflow) on
# import. Keep a docs build from touching the user's home: use a throwaway home unless one is set.
os.environ.setdefault("AIRFLOW_HOME", str(DOCS / "_build" / "airflow-home"))

from airflow_provider_cams import __version__  # noqa: E402  (import-free module: no Airflow import)

project = "airflow-provider-cams"
author = "airflow-provider-cams developers"
copyright = "airflow-provider-cams developers"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
# No sphinx.ext.napoleon: the code's docstrings use reST field lists (:param x:), and napoleon would
# misread property docstrings such as "Pacing for ... (needs the connection: built ...)" as "type: text".

exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = f"airflow-provider-cams {release}"
html_theme_options = {
    "description": "Apache Airflow 3 provider for Alibaba Cloud CAMS WhatsApp Flows",
    "fixed_sidebar": True,
    "show_relbars": True,
    "page_width": "1180px",  # room for the example DAGs' 110-character lines
    "sidebar_width": "250px",
}

# ------------------------------------------------------------------------------------------- autodoc
# Nothing is mocked: the real provider, Airflow and SDK are imported, so what renders is what ships.
autodoc_mock_imports: list[str] = []
autodoc_default_options = {
    "members": True,
    # Public but undocumented members still render (their missing docstrings are the code's to fix).
    "undoc-members": True,
    "show-inheritance": True,
    "member-order": "bysource",
}
autodoc_typehints = "description"
# Show defaults as written (``conf.getboolean(...)``, ``time.monotonic``), not as evaluated at build time.
autodoc_preserve_defaults = True
# ``Client`` is imported for type checking only; name it fully instead of as a bare "Client".
autodoc_type_aliases = {"Client": "alibabacloud_tea_openapi.client.Client"}

# ------------------------------------------------------------------------------ nitpicky (-n) builds
# Without intersphinx (no network at build time) Sphinx cannot resolve classes documented elsewhere:
# Python's standard library, Airflow, pytest and the Alibaba SDK. These are not errors in this project.
nitpick_ignore_regex = [
    (r"py:.*", r"(airflow|alibabacloud_tea_openapi|alibabacloud_credentials|darabonba|tenacity)(\..*)?"),
    (r"py:.*", r"(collections\.abc|typing|enum|datetime|pathlib|logging|_pytest|pytest)\..*"),
    # The SDK client appears as a bare name in the Transport signature (imported for type checking).
    (r"py:class", r"Client"),
    # Airflow's task Context, named bare where a hint cannot be evaluated (hook types imported for type
    # checking only, so that importing an operator stays cheap).
    (r"py:class", r"Context"),
    # Airflow's ObjectStoragePath, named bare for the same reason (hooks/audience.py, hooks/outcomes.py).
    (r"py:class", r"ObjectStoragePath"),
    # Sphinx 8 (Python 3.10) also renders Airflow's own annotation of operator_extra_links.
    (r"py:class", r"BaseOperatorLink"),
    # show-inheritance names this private base class of the two extra links; it is not part of the API.
    (r"py:class", r"airflow_provider_cams\.links\.flow\._XComLink"),
]

# ---------------------------------------------------------------------- optional UI screenshot
# docs/_static/lifecycle-grid.png (a finished run of the lifecycle DAG in the Airflow UI) is written by
# the browser test (tests/ui, ``make test-ui``), not by the docs build. Until it exists the lifecycle
# page says how to get it instead of failing the build on a missing image ("image file not readable"
# cannot be avoided with ``.. only::``).
_GRID = DOCS / "_static" / "lifecycle-grid.png"
if _GRID.is_file():
    rst_epilog = """
.. |lifecycle-grid| image:: /_static/lifecycle-grid.png
   :alt: A finished run of example_cams_flow_lifecycle in the Airflow UI, every task successful
   :width: 100%
"""
else:
    rst_epilog = """
.. |lifecycle-grid| replace:: *(No screenshot in this build:* ``make test-ui`` *takes it;* ``make ui``
   *shows the UI live.)*
"""
