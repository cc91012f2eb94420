from pathlib import Path

import pytest

from csms_under_test.faults import switched_on
from simulator.bundled import default_cases_dir
from simulator.cases import CaseLoadError, SendStep, discover_cases, load_case, load_cases
from simulator.cases.loader import CaseLoadErrors
from simulator.editions import EDITIONS
from tests.support.shipped import shipped_cases

GOOD = """\
id: TC_999_CSMS
title: A case
block: core
reference: test
given: booted
faults: [reject-boot]
steps:
  - send: Authorize
    with: {idTag: $valid_id_tag}
    expect: {idTagInfo: {status: Accepted}}
"""


def write(tmp_path: Path, text: str, name: str = "TC_999_CSMS.yaml") -> Path:
    path = tmp_path / "core" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_a_good_case_loads_with_its_states(tmp_path: Path) -> None:
    case = load_case(write(tmp_path, GOOD))
    assert case.id == "TC_999_CSMS"
    assert [s.name for s in case.states] == ["Booted"]
    assert [s.label for s in case.all_steps] == ["Booted 1", "Booted 2", "1"]
    step = case.steps[0]
    assert isinstance(step, SendStep) and step.line == 8


@pytest.mark.parametrize(
    ("broken", "line", "fragment"),
    [
        (GOOD.replace("block: core", "block: kore"), 3, "block"),
        (
            GOOD.replace("  - send: Authorize", "  - sned: Authorize"),
            8,
            "send, expect_csms, operator, wait",
        ),
        (GOOD.replace("send: Authorize", "send: Reset"), 8, "send"),
        (GOOD.replace("$valid_id_tag", "$vaild_id_tag"), 8, "$vaild_id_tag"),
        # a typo names itself, its line and the nearest valid word
        (GOOD.replace("    expect:", "    expcet:"), 10, "unknown key 'expcet'"),
        (GOOD.replace("    expect:", "    expcet:"), 10, "did you mean 'expect'?"),
        (GOOD.replace("status: Accepted", "status: Acepted"), 10, "did you mean 'Accepted'?"),
        (GOOD.replace("status: Accepted", "status: {$presnt: true}"), 10, "'$presnt'"),
        (GOOD.replace("status: Accepted", "status: {$in: [Accepted, Blokced]}"), 10, "Blokced"),
        (GOOD.replace("send: Authorize", "send: Authorise"), 8, "did you mean 'Authorize'?"),
        (GOOD.replace("[reject-boot]", "[no-such-fault]"), 6, "'no-such-fault' is not a fault"),
        (GOOD.replace("[reject-boot]", "[slow-answers]"), 6, "not a fault"),
        (GOOD.replace("title: A case", "title: A case\ncolour: red"), 3, "unknown key 'colour'"),
        (GOOD + "  - wait: soon\n", 11, "wait"),
        (GOOD.replace("    with:", "   with:"), 9, "not valid YAML"),
    ],
)
def test_malformed_case_names_file_line_and_problem(
    tmp_path: Path, broken: str, line: int, fragment: str
) -> None:
    path = write(tmp_path, broken)
    with pytest.raises(CaseLoadError) as info:
        load_case(path)
    assert info.value.file == str(path)
    assert info.value.line == line, str(info.value)
    assert fragment in str(info.value)


def test_a_vendors_own_case_needs_no_fault_and_may_have_any_id(tmp_path: Path) -> None:
    own = GOOD.replace("id: TC_999_CSMS", "id: ACME-boot.1").replace("faults: [reject-boot]\n", "")
    case = load_case(write(tmp_path, own, name="ACME-boot.1.yaml"))
    assert (case.id, case.faults) == ("ACME-boot.1", ())
    assert [p.name for p in discover_cases(tmp_path)] == ["ACME-boot.1.yaml"]


def test_every_shipped_case_names_a_fault() -> None:
    # The project's own rule (a vendor's case may name none): each bundled case can fail.
    for edition in EDITIONS:
        for case in shipped_cases(edition):
            assert case.faults, (edition, case.id)


def test_file_name_must_match_the_id(tmp_path: Path) -> None:
    with pytest.raises(CaseLoadError, match=r"name the file TC_999_CSMS\.yaml"):
        load_case(write(tmp_path, GOOD, name="TC_998_CSMS.yaml"))


def test_saved_variables_are_usable_later(tmp_path: Path) -> None:
    text = GOOD + "  - wait: $heartbeat_interval\n"  # saved by the Booted state
    assert load_case(write(tmp_path, text)).steps[-1].label == "2"


def test_load_cases_reports_every_broken_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("block: core", "block: x"))
    write(
        tmp_path,
        GOOD.replace("TC_999", "TC_998").replace("title: A case", "title: 5\nx: 1"),
        "TC_998_CSMS.yaml",
    )
    with pytest.raises(CaseLoadErrors) as info:
        load_cases(discover_cases(tmp_path))
    assert len(info.value.errors) == 2


def test_the_shipped_cases_load() -> None:
    cases = load_cases(discover_cases(default_cases_dir()))
    assert {c.id for c in cases} >= {
        "TC_001_CSMS",
        "TC_003_CSMS",
        "TC_004_1_CSMS",
        "TC_007_CSMS",
        "TC_012_CSMS",
    }
    assert all(c.faults for c in cases)


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_fault_a_shipped_case_names_exists(edition: str) -> None:
    # An entry is a fault, or faults and legal variations joined by "+" (at least one fault).
    for case in shipped_cases(edition):
        for entry in (*case.faults, *case.finding_faults):
            faults, _ = switched_on(entry)
            assert faults, (case.id, entry)


EDITIONED = """\
id: TC_999_CSMS
title: Later title
block: core
reference: test
given: booted
faults: [reject-boot]
in_edition:
  2024-04:
    title: First title
    faults: [authorize-invalid]
steps:
  - send: Authorize
    with: {idTag: $valid_id_tag}
    expect: {idTagInfo: {status: Accepted}}
    in_edition:
      2024-04:
        expect: {idTagInfo: {status: Invalid}}
  - send: Heartbeat
    editions: [2024-04]
  - send: StatusNotification
    with: {connectorId: 1, status: Available, errorCode: NoError}
"""


def test_a_case_is_resolved_for_its_edition(tmp_path: Path) -> None:
    path = write(tmp_path, EDITIONED)
    later, first = load_case(path, "2025-11"), load_case(path, "2024-04")
    assert (later.title, later.faults, later.edition) == (
        "Later title",
        ("reject-boot",),
        "2025-11",
    )
    assert (first.title, first.faults, first.edition) == (
        "First title",
        ("authorize-invalid",),
        "2024-04",
    )
    assert later.varies and first.varies
    assert [s.reported_action() for s in later.steps] == ["Authorize", "StatusNotification"]
    assert [s.reported_action() for s in first.steps] == [
        "Authorize",
        "Heartbeat",
        "StatusNotification",
    ]
    assert isinstance(later.steps[0], SendStep) and isinstance(first.steps[0], SendStep)
    assert later.steps[0].expect == {"idTagInfo": {"status": "Accepted"}}
    assert first.steps[0].expect == {"idTagInfo": {"status": "Invalid"}}
    # Labels follow the edition's steps; lines still point into the file.
    assert [s.label for s in later.steps] == ["1", "2"] and later.steps[1].line == 20
    assert load_case(write(tmp_path, GOOD)).varies is False


@pytest.mark.parametrize(
    ("broken", "line", "fragment"),
    [
        # a slip inside one edition's changes is found whatever edition runs
        (
            EDITIONED.replace("expect: {idTagInfo: {status: Invalid}}", "expect: seven"),
            17,
            "seven",
        ),
        (EDITIONED.replace("    title: First title\n", "    steps: []\n"), 9, "steps"),
        (EDITIONED.replace("  2024-04:\n    title", "  2023-01:\n    title"), 8, "2023-01"),
        (EDITIONED.replace("editions: [2024-04]", "editions: [1999]"), 19, "1999"),
        (EDITIONED.replace("        expect: {idTagInfo", "        sned: {idTagInfo"), 17, "sned"),
    ],
)
def test_an_edition_slip_names_its_line(
    tmp_path: Path, broken: str, line: int, fragment: str
) -> None:
    with pytest.raises(CaseLoadError) as caught:
        load_case(write(tmp_path, broken), "2025-11")
    assert caught.value.line == line, str(caught.value)
    assert fragment in str(caught.value)


def test_an_unknown_edition_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CaseLoadError, match="unknown edition '2030-01'"):
        load_case(write(tmp_path, GOOD), "2030-01")


def test_the_shipped_cases_that_vary_are_the_catalogs() -> None:
    # catalog §12.1: nine cases changed, TC_040_1 in its title only; §11: TC_073 checks the
    # value, TC_074 checks the signed certificate, TC_085 gained a step, TC_088 is new;
    # TC_075_2 names "Root 2" in its instruction, TC_076 runs three rounds; TC_083 is new in
    # later editions.
    cases = shipped_cases()
    assert {c.id for c in cases if c.varies} == {
        "TC_073_CSMS",
        "TC_074_CSMS",
        "TC_075_2_CSMS",
        "TC_076_CSMS",
        "TC_083_CSMS",
        "TC_085_CSMS",
        "TC_088_CSMS",
        "TC_040_1_CSMS",
        "TC_040_2_CSMS",
        "TC_043_5_CSMS",
        "TC_052_CSMS",
        "TC_053_CSMS",
        "TC_055_CSMS",
        "TC_056_CSMS",
        "TC_057_CSMS",
        "TC_059_CSMS",
        "TC_067_CSMS",
    }
