from pathlib import Path

import pytest

from simulator.config import HarnessConfig, load_config
from simulator.yamlsource import YamlSourceError


def test_defaults_are_the_lab_limits() -> None:
    config = load_config(None)
    assert config.limits.response_timeout == 35.0
    assert config.limits.authorize_response_time == 3.0


def test_a_partial_file_keeps_the_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("charge_point:\n  id: CP_9\nlimits:\n  response_timeout: 5\n")
    config = load_config(path)
    assert config.charge_point.id == "CP_9"
    assert config.charge_point.connectors == HarnessConfig().charge_point.connectors
    assert config.limits.response_timeout == 5
    assert config.limits.authorize_response_time == 3.0


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("charge_point:\n  conectors: 2\n", 2, "unknown key 'conectors'"),
        ("limits:\n  response_timeout: -1\n", 2, "limits.response_timeout"),
        ("id_tags:\n  valid: ''\n", 2, "id_tags.valid"),
        ("charge_point:\n  connectors: 1\n  connector_id: 2\n", 3, "exceeds"),
        ("- a\n- b\n", 1, "mapping"),
        ("limits: [\n", 2, "not valid YAML"),
        (
            "file_transfer:\n  firmware_location: file:///fw.bin\n",
            2,
            "file_transfer.firmware_location",
        ),
        ("waits:\n  transfer: 0\n", 2, "waits.transfer"),
        ("security:\n  profile: 4\n", 2, "security.profile"),
        ("sut:\n  feature_profiles: [Core, Security]\n", 2, "security.profile is 0"),
        ("security:\n  profile: 2\n", 2, "security.password is missing"),
    ],
)
def test_bad_files_name_line_and_key(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(YamlSourceError) as info:
        load_config(path)
    assert info.value.line == line, str(info.value)
    assert fragment in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(YamlSourceError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_overrides() -> None:
    config = HarnessConfig().with_overrides(charge_point={"id": "X"})
    assert config.charge_point.id == "X"


def test_file_transfer_locations_are_optional_and_read(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("file_transfer:\n  diagnostics_location: ftp://u:p@h/up/\n")
    files = load_config(path).file_transfer
    assert files.diagnostics_location == "ftp://u:p@h/up/"
    assert files.firmware_location == ""  # unset: the bundled CSMS's, or ERROR for a case


def test_an_empty_pics_gives_every_default(tmp_path: Path) -> None:
    for text in ("", "# declared nothing\n"):
        path = tmp_path / "pics.yaml"
        path.write_text(text)
        config = load_config(path)
        assert config.limits == HarnessConfig().limits and config.source == str(path)


def test_a_case_deadline_shorter_than_the_reservation_expiry_is_refused(tmp_path: Path) -> None:
    # TC_047 waits for the reservation to expire: the default run must not end in ERROR.
    path = tmp_path / "pics.yaml"
    path.write_text("waits:\n  reservation_expiry_offset: 300\n  case_deadline: 300\n")
    with pytest.raises(YamlSourceError, match="case_deadline 300 s is too short") as caught:
        load_config(path)
    assert caught.value.line == 3
    defaults = HarnessConfig().waits
    assert defaults.reservation_expiry_offset + defaults.late_answer_grace < defaults.case_deadline


def test_the_security_section_is_read(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "sut:\n  feature_profiles: [Core, Security]\n"
        "security:\n  profile: 1\n  password: pretest-password-01\n"
    )
    config = load_config(path)
    assert "Security" in config.sut.feature_profiles
    assert config.security.profile == 1 and config.security.uses_basic_auth
    assert config.security.password == "pretest-password-01"


def test_the_supported_profiles_start_with_the_current_one(tmp_path: Path) -> None:
    (tmp_path / "pki").mkdir()
    for name in ("ca.pem", "cp.pem", "cp.key"):
        (tmp_path / "pki" / name).write_text("placeholder")
    path = tmp_path / "c.yaml"
    path.write_text(
        "security:\n  profile: 2\n  profiles: [3, 1, 2]\n  password: pretest-password-01\n"
        "  ca_file: pki/ca.pem\n  client_certificate: pki/cp.pem\n  client_key: pki/cp.key\n"
        "  tls_url: wss://csms.example:8443/ocpp\n"
    )
    security = load_config(path).security
    assert security.supported == (2, 1, 3)
    assert security.ca_file == str(tmp_path / "pki" / "ca.pem")  # relative to the PICS file
    assert security.tls_url == "wss://csms.example:8443/ocpp"


@pytest.mark.parametrize(
    ("security", "line", "says"),
    [
        ("  profile: 1\n  profiles: [2, 3]\n  password: pretest-password-01\n", 5, "leaves out"),
        ("  profile: 3\n  profiles: [2, 3]\n", 4, "security profile 2 uses HTTP Basic"),
        ("  profile: 3\n  ca_file: missing.pem\n", 5, "no such file"),
        ("  profile: 3\n  client_key: missing.pem\n", 5, "no such file"),
        ("  profile: 1\n  tls_url: ws://plain\n  password: pretest-password-01\n", 5, "wss://"),
    ],
)
def test_a_wrong_security_section_names_its_line(
    tmp_path: Path, security: str, line: int, says: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("charge_point:\n  id: CP_1\nsecurity:\n" + security)
    with pytest.raises(YamlSourceError) as caught:
        load_config(path)
    assert says in str(caught.value) and caught.value.line == line, str(caught.value)
