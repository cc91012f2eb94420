from pathlib import Path

import pytest

from simulator.bundled import default_cases_dir
from simulator.cases import CaseLoadError, SendStep, discover_cases, load_case, load_cases
from simulator.cases.loader import CaseLoadErrors

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
        (GOOD.replace("faults: [reject-boot]\n", ""), 1, "faults"),
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


def test_every_fault_a_shipped_case_names_exists() -> None:
    from csms_under_test.faults import FAULTS

    cases = load_cases(discover_cases(default_cases_dir()))
    assert {f for c in cases for f in c.faults} <= set(FAULTS)
