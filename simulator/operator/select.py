"""Choose the operator adapter from the command line or the PICS."""

from __future__ import annotations

from simulator.config import OperatorChoice
from simulator.operator.base import Operator
from simulator.operator.http import HttpOperator
from simulator.operator.manual import ManualOperator
from simulator.operator.python_hook import PythonOperator
from simulator.operator.unavailable import NoOperator


def operator_from_spec(spec: str) -> Operator:
    """``--operator``: an http(s) URL, ``manual`` or ``python:module:function``.
    Raises ValueError for anything else."""
    if spec == "manual":
        return ManualOperator()
    if spec.startswith("python:"):
        return PythonOperator(spec.removeprefix("python:"))
    if spec.startswith(("http://", "https://")):
        return HttpOperator(spec)
    raise ValueError(
        f"--operator {spec!r}: expected an http(s) URL, 'manual' or 'python:module:function'"
    )


def choose_operator(
    cli_spec: str | None, choice: OperatorChoice, bundled_api_url: str | None
) -> Operator:
    """The command line wins over the PICS; the PICS's http adapter without a URL uses the
    bundled CSMS's API when it runs."""
    if cli_spec:
        return operator_from_spec(cli_spec)
    if choice.adapter == "manual":
        return ManualOperator()
    if choice.adapter == "python":
        return PythonOperator(choice.function)
    url = choice.url or bundled_api_url
    return HttpOperator(url) if url else NoOperator()
