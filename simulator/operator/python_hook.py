"""The ``python`` operator adapter: call ``module:function`` to make the CSMS act.

The function receives an OperatorRequest and may be sync or async. It returns None, any
JSON-able value (taken as the CSMS's confirmation: the HTTP route's 200 body, whose
``usedContext`` names the context keys it used) or an OperatorOutcome; raising means the
action could not be triggered (docs/operator-contract.md). A synchronous function runs in a worker thread, never
on the harness's event loop: while it blocks, the charge point still answers the CSMS.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Callable
from typing import Any

from simulator.errors import InputError
from simulator.operator.base import OperatorOutcome, OperatorRequest, used_context


class OperatorHookError(InputError):
    pass


def resolve(spec: str) -> Callable[[OperatorRequest], Any]:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise OperatorHookError(f"python operator {spec!r}: expected module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise OperatorHookError(
            f"python operator {spec!r}: cannot import {module_name}: {exc}"
        ) from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise OperatorHookError(
            f"python operator {spec!r}: {module_name} has no function {attribute}"
        )
    hook: Callable[[OperatorRequest], Any] = function
    return hook


class PythonOperator:
    name = "python"

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.function = resolve(spec)

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        try:
            if inspect.iscoroutinefunction(self.function):
                value = await self.function(request)
            else:
                value = await asyncio.to_thread(self.function, request)
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:
            return OperatorOutcome(
                False, f"python operator {self.spec} raised {type(exc).__name__}: {exc}"
            )
        if isinstance(value, OperatorOutcome):
            return value
        return OperatorOutcome(
            True,
            f"python operator {self.spec} made the CSMS act",
            value,
            used_context=used_context(value),
        )
