"""The operator contract's OpenAPI document, which this CSMS serves at ``GET /api/openapi.json``.

The file is a copy of docs/operator-contract.openapi.json shipped as package data (so an
installed wheel serves it too); tests/support/openapi_contract.py writes both.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DOCUMENT = "operator-contract.openapi.json"


@cache
def openapi_document() -> dict[str, Any]:
    """The document, read once. Callers must not change it."""
    text = resources.files(__package__).joinpath(DOCUMENT).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document
