"""This repository's pytest configuration lives in pyproject.toml: ``-p
simulator.pytest_plugin`` in ``addopts`` turns the OCPP case plugin on here, installed or
not (installed, the pytest11 entry point has the same name, so pytest loads it once), and
``ocpp_testcases`` makes ``testcases/`` collected: each case file is a pytest item named
by its case id. No ``pytest_plugins`` here: pytest refuses it in a conftest.py it meets
below its rootdir, as it does when another folder's run collects the shipped cases
(``pytest --ocpp-cases``) from this checkout.
"""

collect_ignore = [".venv"]
