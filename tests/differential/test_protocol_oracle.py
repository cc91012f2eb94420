"""Differential test: ocppj against an independent implementation of OCPP-J 1.6.

The harness and the reference CSMS share ``ocppj``, so a gap in it can never show in the
self-test. Here every frame of the corpus (tests/differential/corpus.py) goes through
``ocppj.Session.receive`` and through the ``ocpp`` package's own unpacking and schema
validation (``ocpp.messages.unpack`` / ``_validate_payload``, what its ``ChargePoint`` runs
on every message), and the two verdicts are compared: accepted, or rejected with which
OCPP-J error code (or, on the oracle's side, an exception that is no OCPP error at all).

Every disagreement is listed in DISAGREEMENTS with the OCPP-J 1.6 section that decides it
and the side that is off. An unlisted disagreement fails (a new one: fix ocppj or list
it), and so does a listed one that no longer happens (stale) or that changed its shape.
docs/protocol-oracle.md explains the method and the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import ocpp.exceptions
import ocpp.messages
import pytest
from ocpp.v16.enums import Action

import ocppj
from ocppj import (
    IncomingCall,
    IncomingCallError,
    IncomingCallResult,
    InvalidFrame,
    Session,
    UnmatchedReply,
)
from tests.differential.corpus import Item, corpus

ACCEPTED = "accepted"
CORPUS = corpus()


def ours(item: Item) -> str:
    """ocppj's verdict, as the harness and the reference CSMS reach it."""
    session = Session(new_id=lambda: item.unique_id)
    session.send_call(item.action, {})  # the CALL a CALLRESULT or CALLERROR answers
    try:
        event = session.receive(item.text)
    except Exception as exc:  # ocppj promises events, never exceptions
        return f"raised {type(exc).__name__}"
    if isinstance(event, InvalidFrame):
        return str(event.error.error_code)
    if isinstance(event, IncomingCall):
        return str(event.suggested_error or ACCEPTED)
    if isinstance(event, IncomingCallResult):
        return str(event.violations[0].error_code) if event.violations else ACCEPTED
    if isinstance(event, IncomingCallError):
        return ACCEPTED
    assert not isinstance(event, UnmatchedReply), "corpus frames answer the primed CALL"
    raise AssertionError(event)


def theirs(item: Item) -> str:
    """The ``ocpp`` package's verdict: unpack, then validate as its ChargePoint does (a
    CALLRESULT with the action of the CALL; a CALLERROR through ``to_exception``)."""
    try:
        message = ocpp.messages.unpack(item.text)
        if isinstance(message, ocpp.messages.CallError):
            message.to_exception()
            return ACCEPTED
        if isinstance(message, ocpp.messages.CallResult):
            message.action = item.action
        ocpp.messages._validate_payload(message, "1.6")
    except ocpp.exceptions.OCPPError as exc:
        return str(exc.code)
    except Exception as exc:
        return f"raised {type(exc).__name__}"
    return ACCEPTED


@dataclass(frozen=True)
class Difference:
    ours: str  # ocppj's verdict
    theirs: str  # the ocpp package's verdict
    section: str  # what decides it: the OCPP-J 1.6 section (or RFC 8259)
    side: str  # "ocpp": the oracle is off; "choice": the spec leaves room, ocppj's is deliberate
    why: str


FV, PE, NI = "FormationViolation", "ProtocolError", "NotImplemented"
OCV, PCV, TCV = (
    "OccurenceConstraintViolation",
    "PropertyConstraintViolation",
    "TypeConstraintViolation",
)
FORMAT_VIOLATION = "FormatViolation"  # the OCPP 2.0.1 name; not an OCPP 1.6 code
T7 = "§4.2.3 table 7"

# -- payloads (the OCA schemas; which code fits which rule is OCPP-J 1.6 §4.2.3 table 7)
SPELLING = Difference(
    FV,
    FORMAT_VIOLATION,
    T7,
    "ocpp",
    "ocpp answers with OCPP 2.0.1's FormatViolation; 1.6 spells it FormationViolation (ocpp's own FormationViolationError exists for that, but messages.py never raises it)",
)
REQUIRED = Difference(
    OCV,
    PE,
    T7,
    "choice",
    "a required field that is absent: ProtocolError reads 'payload incomplete', OccurenceConstraintViolation 'a field violates occurence constraints'; ocppj counts required as the occurrence rule (as minItems), and keeps ProtocolError for the frame",
)
CATCH_ALL = Difference(
    PCV,
    FORMAT_VIOLATION,
    T7,
    "ocpp",
    "a value outside its enum or not a multiple of 0.1 is 'a field contains an invalid value' (PropertyConstraintViolation); ocpp's catch-all for every other schema rule is FormatViolation, in the 2.0.1 spelling too",
)
MIN_ITEMS = Difference(
    OCV,
    FORMAT_VIOLATION,
    T7,
    "ocpp",
    "an empty array where minItems is 1 violates an occurrence constraint; ocpp's catch-all says FormatViolation (2.0.1 spelling)",
)
TOO_LONG = Difference(
    PCV,
    TCV,
    T7,
    "choice",
    "a string over its maxLength: a CiString20Type can be read as a data type (TypeConstraintViolation, ocpp), ocppj reads the JSON type (string, fine) as the type and the length as a constraint on the value",
)
DATE_TIME = Difference(
    PCV,
    "accepted",
    T7,
    "ocpp",
    "ocpp validates without a FormatChecker, so the schemas' format: date-time (RFC 3339: a real date, an offset) is never checked",
)
# -- the frame (OCPP-J 1.6 §4.1, §4.2)
NOT_JSON = Difference(
    FV,
    FORMAT_VIOLATION,
    "§4.1.2",
    "ocpp",
    "not JSON in UTF-8: both reject; ocpp says FormatViolation, the 2.0.1 spelling",
)
NOT_AN_ARRAY = Difference(
    FV,
    PE,
    "§4.2, table 7",
    "choice",
    "JSON but no [type, id, ...] array: the frame does 'not conform the PDU structure' (FormationViolation); ocpp says ProtocolError",
)
ARITY = Difference(
    FV,
    PE,
    "§4.2.1-§4.2.3, table 7",
    "choice",
    "a CALL of 3 or 5 elements, a CALLRESULT of 2, a CALLERROR of 6: the PDU structure is broken (FormationViolation); ocpp says ProtocolError (its constructor's TypeError)",
)
ARITY_UNCHECKED = Difference(
    FV,
    "accepted",
    "§4.2.2, §4.2.3",
    "ocpp",
    "a CALLRESULT 'always consists of 3 elements', a CALLERROR of 5; ocpp's CallResult takes a 4th (action) and CallError defaults the 5th",
)
UNKNOWN_TYPE = Difference(
    PE,
    PCV,
    "§4.1.3",
    "choice",
    "a message type number not in the list: 1.6 only says to ignore its payload and names no code; ocppj answers ProtocolError (2.0.1 has MessageTypeNotSupported for it), ocpp PropertyConstraintViolation",
)
FLOAT_TYPE = Difference(
    PE,
    "accepted",
    "§4.1.3",
    "ocpp",
    "2.0 is not the message type number 2 (a JSON integer): ocpp compares with ==, and 2.0 == 2 in Python (ocppj accepted it too before this test)",
)
ID_UNCHECKED = Difference(
    FV,
    "accepted",
    "§4.1.4",
    "ocpp",
    "the message id is a string of at most 36 characters; ocpp checks neither",
)
ACTION_NOT_STRING = Difference(
    FV,
    "raised TypeError",
    "§4.2.1",
    "ocpp",
    "the action is a string; ocpp crashes building its schema cache key from it",
)
ACTION_AS_PATH = Difference(
    NI,
    "accepted",
    "§4.2.1, table 7",
    "ocpp",
    "an action that is no OCPP 1.6 action is NotImplemented; ocpp turns the action into a file name under v16/schemas, so a response schema's name or a relative path loads some other schema",
)
PAYLOAD_NOT_OBJECT = Difference(
    FV,
    TCV,
    "§4.2.1, §4.2.2",
    "choice",
    "a payload that is no JSON object breaks the frame's structure (FormationViolation); ocpp reports the schema's type: object instead",
)
PAYLOAD_NULL = Difference(
    "accepted",
    TCV,
    "§4.2.1, §4.2.2",
    "ocpp",
    "'if there is no payload JSON allows for two different notations: null or an empty object'; ocpp validates null against type: object (ocppj rejected it before this test, as a FormationViolation; it now reads null as {})",
)
PAYLOAD_NULL_REQUIRED = Difference(
    OCV,
    TCV,
    "§4.2.1, §4.2.2",
    "ocpp",
    "null is the empty payload, so what is missing is the required fields; ocpp validates null against type: object",
)
FIRST_VIOLATION = Difference(
    OCV,
    TCV,
    T7,
    "choice",
    "a payload with two violations gets one code; 1.6 gives no precedence. ocppj reports the first in payload order (the top level's missing field), ocpp the first jsonschema meets in the schema file's keyword order (properties before required)",
)
INTEGER_WIDTH = Difference(
    TCV,
    "accepted",
    T7,
    "choice",
    "an integer field beyond a signed 64-bit integer (2**63, -2**63-1): OCPP 1.6 gives integers no width, but no peer's integer type (nor the reference CSMS's SQLite) holds it, so ocppj calls it a data type violation where it would otherwise fail whoever stores it; ocpp accepts any size",
)
EMPTY_ID = Difference(
    FV,
    "accepted",
    "§4.1.4",
    "choice",
    "an empty message id: §4.1.4 sets only a maximum, but the id 'serves to identify a request' and the empty string identifies none; ocppj refuses it (answering a CALL with the same empty id), ocpp takes it",
)
# -- CALLERROR (OCPP-J 1.6 §4.2.3)
CODE_UNKNOWN = Difference(
    PCV,
    "raised UnknownCallErrorCodeError",
    T7,
    "choice",
    "an errorCode not in table 7: both reject; no CALLERROR answers a CALLERROR, so there is no code to agree on (ocpp raises its own exception)",
)
CODE_NOT_STRING = Difference(
    FV,
    "raised UnknownCallErrorCodeError",
    "§4.2.3",
    "choice",
    "an errorCode that is no string: both reject; ocppj calls it the frame's structure",
)
CODE_OTHER_VERSION = Difference(
    PCV,
    "accepted",
    T7,
    "ocpp",
    "table 7 has ten codes; ocpp also accepts the 2.0.1 and 2.1 names (FormatViolation, OccurrenceConstraintViolation) on a 1.6 connection",
)
ERROR_FIELDS = Difference(
    FV,
    "accepted",
    "§4.2.3",
    "ocpp",
    "errorDescription is a string, errorDetails an object ('you MUST fill in an empty object {}'); ocpp checks neither",
)
# -- characters, size and numbers (OCPP-J 1.6 §4.1.2; RFC 8259)
LONE_SURROGATE = Difference(
    FV,
    "accepted",
    "§4.1.2",
    "ocpp",
    "a \\ud800-\\udfff escape alone stands for no character and has no UTF-8 form (RFC 8259 §8.2); ocpp takes it in and passes it on as an escape (ocppj accepted it too before this test, and failed to encode the first frame that echoed it)",
)
LONE_SURROGATE_IN_KEY = Difference(
    FV,
    FORMAT_VIOLATION,
    "§4.1.2",
    "ocpp",
    "as above; ocpp rejects the frame only as an unknown property",
)
UTF_16 = Difference(
    FV,
    "accepted",
    "§4.1.2",
    "ocpp",
    "the message is UTF-8; ocpp's json.loads of bytes detects and decodes UTF-16",
)
BOM = Difference(
    FV,
    "accepted",
    "§4.1.2",
    "choice",
    "RFC 8259 §8.1: a sender MUST NOT add a byte order mark, a parser MAY ignore one; ocppj does not",
)
TOO_DEEP = Difference(
    FV,
    "raised RecursionError",
    "§4.1.2",
    "ocpp",
    "nesting beyond the parser's limit (RFC 8259 §9 allows one): ocpp lets the RecursionError out",
)
NESTING_LIMIT = Difference(
    FV,
    "accepted",
    "§4.1.2",
    "choice",
    "nesting beyond ocppj's limit of 64 levels (RFC 8259 §9 allows one; the deepest OCPP 1.6 message nests 6): ocppj refuses the text before parsing it, so that nothing that reads a message recursively meets such depth; ocpp parses what json can",
)
TOO_MANY_DIGITS = Difference(
    FV,
    "raised ValueError",
    "§4.1.2",
    "ocpp",
    "an integer of 5000 digits is beyond Python's int-parsing limit: ocpp lets the ValueError out (ocppj did too before this test, breaking its 'FrameError, never anything else')",
)
NOT_A_NUMBER = Difference(
    FV,
    "accepted",
    "§4.1.2",
    "ocpp",
    "NaN and Infinity are not JSON (RFC 8259 §6), and 1e400 has no finite double (RFC 8259 §9 allows the limit); Python's json.loads takes them, and they would go out again as NaN/Infinity (ocppj accepted them too before this test)",
)
NUMBER_CRASH = Difference(
    FV,
    "raised TypeError",
    "§4.1.2",
    "ocpp",
    "as above, in a field with multipleOf 0.1: ocpp crashes on float % Decimal",
)

# Keys are corpus ids, or fnmatch patterns over them ("*" spans "/") for a difference that
# follows from one rule wherever it applies. Each matching item must disagree exactly so.
DISAGREEMENTS: dict[str, Difference] = {
    "*/additional-property*": SPELLING,
    "*/empty-payload": REQUIRED,
    "*/missing:*": REQUIRED,
    "*/empty-object:*": REQUIRED,
    "*/enum-case:*": CATCH_ALL,
    "*/enum-unknown:*": CATCH_ALL,
    "*/not-a-multiple:*": CATCH_ALL,
    "*/empty-array:*": MIN_ITEMS,
    "*/too-long:*": TOO_LONG,
    "*/date-time-*": DATE_TIME,
    "*/huge-integer:*": INTEGER_WIDTH,
    "*/negative-integer:*": INTEGER_WIDTH,
    "frame/not-json": NOT_JSON,
    "frame/empty-text": NOT_JSON,
    "frame/truncated": NOT_JSON,
    "frame/trailing-garbage": NOT_JSON,
    "frame/single-quotes": NOT_JSON,
    "text/control-character-raw": NOT_JSON,
    "text/bom": NOT_JSON,
    "bytes/invalid-utf-8": NOT_JSON,
    "frame/object": NOT_AN_ARRAY,
    "frame/string": NOT_AN_ARRAY,
    "frame/number": NOT_AN_ARRAY,
    "frame/null": NOT_AN_ARRAY,
    "frame/empty-array": NOT_AN_ARRAY,
    "frame/type-id-only": NOT_AN_ARRAY,
    "frame/call-3-elements": ARITY,
    "frame/call-5-elements": ARITY,
    "frame/result-2-elements": ARITY,
    "frame/error-6-elements": ARITY,
    "frame/result-4-elements": ARITY_UNCHECKED,
    "frame/error-4-elements": ARITY_UNCHECKED,
    "frame/type-id-0": UNKNOWN_TYPE,
    "frame/type-id-1": UNKNOWN_TYPE,
    "frame/type-id-5": UNKNOWN_TYPE,
    "frame/type-id--2": UNKNOWN_TYPE,
    "frame/type-id-2.5": UNKNOWN_TYPE,
    "frame/type-id-string-2": UNKNOWN_TYPE,
    "frame/type-id-true": UNKNOWN_TYPE,
    "frame/type-id-null": UNKNOWN_TYPE,
    "frame/type-id-2**63": UNKNOWN_TYPE,
    "frame/type-id-array": UNKNOWN_TYPE,
    "frame/type-id-2.0": FLOAT_TYPE,
    "frame/type-id-3.0": FLOAT_TYPE,
    "frame/type-id-4.0": FLOAT_TYPE,
    "frame/call-id-int": ID_UNCHECKED,
    "frame/call-id-null": ID_UNCHECKED,
    "frame/call-id-array": ID_UNCHECKED,
    "frame/call-id-empty": EMPTY_ID,
    "frame/call-id-37-chars": ID_UNCHECKED,
    "frame/call-id-37-non-ascii": ID_UNCHECKED,
    "frame/result-id-37-chars": ID_UNCHECKED,
    "frame/result-id-int": ID_UNCHECKED,
    "callerror/id-37-chars": ID_UNCHECKED,
    "frame/call-action-int": ACTION_NOT_STRING,
    "frame/call-action-null": ACTION_NOT_STRING,
    "frame/call-action-path": ACTION_AS_PATH,
    "frame/call-action-response-schema-name": ACTION_AS_PATH,
    "frame/call-payload-array": PAYLOAD_NOT_OBJECT,
    "frame/call-payload-string": PAYLOAD_NOT_OBJECT,
    "frame/call-payload-number": PAYLOAD_NOT_OBJECT,
    "frame/result-payload-array": PAYLOAD_NOT_OBJECT,
    "frame/call-payload-null": PAYLOAD_NULL,
    "frame/result-payload-null": PAYLOAD_NULL,
    "frame/call-payload-null-required": PAYLOAD_NULL_REQUIRED,
    "frame/result-payload-null-required": PAYLOAD_NULL_REQUIRED,
    "frame/call-two-violations": FIRST_VIOLATION,
    "callerror/code-unknown": CODE_UNKNOWN,
    "callerror/code-lower-case": CODE_UNKNOWN,
    "callerror/code-2.0.1-only": CODE_UNKNOWN,
    "callerror/code-int": CODE_NOT_STRING,
    "callerror/code-2.0.1-spelling": CODE_OTHER_VERSION,
    "callerror/code-2.1-spelling": CODE_OTHER_VERSION,
    "callerror/description-int": ERROR_FIELDS,
    "callerror/description-null": ERROR_FIELDS,
    "callerror/details-null": ERROR_FIELDS,
    "callerror/details-array": ERROR_FIELDS,
    "text/lone-surrogate-in-value": LONE_SURROGATE,
    "text/lone-low-surrogate": LONE_SURROGATE,
    "text/lone-surrogate-in-id": LONE_SURROGATE,
    "text/lone-surrogate-in-error": LONE_SURROGATE,
    "text/lone-surrogate-in-key": LONE_SURROGATE_IN_KEY,
    "bytes/utf-16": UTF_16,
    "bytes/utf-8-bom": BOM,
    "text/deeply-nested": TOO_DEEP,
    "text/nested-200-in-details": NESTING_LIMIT,
    "text/over-the-nesting-limit": NESTING_LIMIT,
    "text/integer-5000-digits": TOO_MANY_DIGITS,
    "text/integer-5000-digits-in-details": TOO_MANY_DIGITS,
    "number/details-NaN": NOT_A_NUMBER,
    "number/details-1e400": NOT_A_NUMBER,
    "number/limit-NaN": NUMBER_CRASH,
    "number/limit-Infinity": NUMBER_CRASH,
    "number/limit--Infinity": NUMBER_CRASH,
    "number/limit-1e400": NUMBER_CRASH,
}


def documented(item_id: str) -> Difference | None:
    found = [d for key, d in DISAGREEMENTS.items() if fnmatchcase(item_id, key)]
    assert len(found) <= 1, f"{item_id} matches more than one DISAGREEMENTS key"
    return found[0] if found else None


@pytest.mark.parametrize("item", CORPUS, ids=[item.id for item in CORPUS])
def test_ocppj_and_the_oracle_agree_or_the_difference_is_documented(item: Item) -> None:
    mine, other = ours(item), theirs(item)
    assert not mine.startswith("raised"), "ocppj returns events, it never raises"
    difference = documented(item.id)
    if difference is None:
        assert mine == other, (
            f"new disagreement: ocppj {mine!r}, ocpp {other!r}: fix ocppj or document it in "
            "DISAGREEMENTS"
        )
    else:
        assert mine != other, f"stale DISAGREEMENTS entry: both now say {mine!r}"
        assert (mine, other) == (difference.ours, difference.theirs), "the difference changed"


def test_every_documented_key_matches_the_corpus() -> None:
    ids = [item.id for item in CORPUS]
    unused = [key for key in DISAGREEMENTS if not any(fnmatchcase(i, key) for i in ids)]
    assert unused == [], "stale DISAGREEMENTS keys"


def test_the_doc_lists_every_documented_key() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "protocol-oracle.md").read_text()
    assert [key for key in DISAGREEMENTS if f"`{key}`" not in doc] == []


def test_both_know_the_same_actions() -> None:
    assert ocppj.known_actions() == {action.value for action in Action}


@pytest.mark.parametrize("case", ["minimal", "full"])
def test_the_valid_samples_are_valid_to_both(case: str) -> None:
    """The corpus builder's own check: what it calls valid, both implementations accept
    (so that agreeing on a rejection cannot hide a wrong sample)."""
    samples = [item for item in CORPUS if item.id.endswith(f"/{case}")]
    assert len(samples) == 2 * len(Action)
    assert [i.id for i in samples if (ours(i), theirs(i)) != (ACCEPTED, ACCEPTED)] == []
