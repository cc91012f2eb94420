"""Executes cases on a live connection; shared by the CLI and the pytest plugin."""

from simulator.runner.engine import RunSettings, run_case

__all__ = ["RunSettings", "run_case"]
