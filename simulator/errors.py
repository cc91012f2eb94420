"""The harness's own exceptions: one root, so a caller can tell them from a bug.

```
HarnessError
├── InputError (ValueError)   bad input; the message names the file and line, or the flag
│   ├── YamlSourceError       a case, state or PICS file (simulator.yamlsource)
│   │   └── CaseLoadErrors    several case files at once (simulator.cases.loader)
│   ├── UsageError            a command-line flag (simulator.cli)
│   └── OperatorHookError     a python:module:function that cannot be used
├── UnknownVariable           a $variable without a value when a step runs
├── LinkError                 the connection to the CSMS
│   ├── TransportError        it could not be opened (simulator.channel)
│   ├── ChannelClosed         a channel's own signal that it closed (simulator.channel)
│   ├── ConnectionLost        it closed during a case (simulator.runner.link)
│   └── ProtocolBreach        the CSMS sent something that is not OCPP-J while a step waited
└── TransferError             a firmware or diagnostics transfer failed (simulator.transfers)
```

None of these is a verdict by itself: the runner turns each into one (a lost connection is
a FAIL of the step it ended, a refused one an ERROR, an unknown variable an ERROR naming
the file and line). The sans-I/O core (``ocppj``), shared with the reference
CSMS, keeps its own: a peer's malformed frame comes back as data, never as an exception.
"""

from __future__ import annotations

from typing import Any


class HarnessError(Exception):
    """Root of every exception the harness raises on purpose."""


class InputError(HarnessError, ValueError):
    """A file, flag or value given by the user cannot be used."""


class LinkError(HarnessError):
    """The connection to the CSMS failed or the CSMS broke OCPP-J on it."""


class UnknownVariable(HarnessError):
    """``$name`` has no value: not configured, and no earlier step saved it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name
        self.step: Any = None  # the step being resolved, once the runner knows it

    def __str__(self) -> str:
        return f"unknown variable ${self.name}"
