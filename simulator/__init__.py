"""OCPP 1.6-J certification pre-test harness: the virtual charge point and its case runner."""

__version__ = "0.1.0"
HARNESS_NAME = "ocpp16-pretest"

__all__ = ["HARNESS_NAME", "__version__"]
