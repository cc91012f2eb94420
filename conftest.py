"""Turn the OCPP case plugin on inside this repository, installed or not.

The plugin is also registered through the pytest11 entry point under the same module
name, so pytest loads it once either way. pyproject.toml's ``ocpp_testcases`` makes
``testcases/`` collected: each case file is a pytest item named by its case id.
"""

pytest_plugins = ["simulator.pytest_plugin"]
collect_ignore = [".venv"]
