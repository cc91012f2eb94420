"""The csms-under-test command line."""

from __future__ import annotations

import asyncio
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from csms_under_test.cli import main
from csms_under_test.faults import FAULTS

from .helpers import FakeChargePoint, http

START_TIMEOUT = 20.0  # a bound, not a target: the CLI starts in well under 1 s alone


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "csms_under_test", *args]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """The CLI on free ports with a seed; yields the process and its printed URLs."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "id_tags:\n  CLI-TAG: {status: Accepted, parentIdTag: CLI-PARENT}\n"
        "charge_points:\n  CP_CLI: {}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        _command("--port", "0", "--db", str(tmp_path / "cli.sqlite3"), "--seed", str(seed)),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def read_lines() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=read_lines, daemon=True)
    reader.start()
    urls: dict[str, str] = {}
    try:
        while len(urls) < 2:
            line = lines.get(timeout=START_TIMEOUT)
            name, _, url = line.strip().partition(": ")
            if name in ("ocpp", "operator"):
                urls[name] = url
        yield process, urls
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=5)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            reader.join(timeout=2)
            stdout.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_prints_both_urls_serves_and_stops_cleanly_on_a_signal(
    running: tuple[subprocess.Popen[str], dict[str, str]], signum: signal.Signals
) -> None:
    process, urls = running
    assert urls["ocpp"].startswith("ws://127.0.0.1:") and urls["ocpp"].endswith("/ocpp")
    assert urls["operator"].startswith("http://127.0.0.1:") and urls["operator"].endswith("/api")
    assert http("GET", urls["operator"] + "/health").body == {"status": "ok"}
    listed = http("GET", urls["operator"] + "/chargepoints").body["chargePoints"]
    assert [(row["id"], row["connected"]) for row in listed] == [("CP_CLI", False)]

    async def authorize() -> dict[str, object]:
        cp = await FakeChargePoint.connect(urls["ocpp"], "CP_CLI")  # the seed registers it
        try:
            return await cp.request("Authorize", {"idTag": "CLI-TAG"})
        finally:
            await cp.close()

    info = asyncio.run(authorize())["idTagInfo"]
    assert info == {"status": "Accepted", "parentIdTag": "CLI-PARENT"}
    process.send_signal(signum)
    assert process.wait(timeout=5) == 0


def test_list_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-faults"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(FAULTS)
    for line, description in zip(lines, FAULTS.values(), strict=True):
        assert line.endswith(description)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "nope"], "unknown fault 'nope'"),
        (["--port", "70000"], "--port must be between 0 and 65535"),
        (["--port", "65535"], "--api-port must be between 0 and 65535"),
        (["--heartbeat-interval", "0"], "--heartbeat-interval"),
        (["--seed", "/nonexistent/seed.yaml"], "cannot read"),
        (["--csr-ca-cert", "ca.pem"], "csr_ca_cert and csr_ca_key go together"),
        (
            ["--csr-ca-cert", "/nonexistent/ca.pem", "--csr-ca-key", "/nonexistent/ca.key"],
            "--csr-ca-cert /nonexistent/ca.pem: no such file",
        ),
        (["--config", "harness.yaml"], "unrecognized arguments"),  # the harness's, not ours
        (["--operator-api", "half"], "invalid choice: 'half'"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(args))
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("csms-under-test: error: ")
    assert message in error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "id_tags:\n  TAG-1: {status: Acepted}\n",
            ":2: id_tags.TAG-1.status: 'Acepted' is not one of",
        ),
        ("charge_points:\n  CP_1: {}\nid_tag: {}\n", ":3: id_tag: unknown key"),
        ("id_tags: [\n", ": not valid YAML"),
    ],
    ids=["enum", "unknown-key", "yaml"],
)
def test_a_bad_seed_exits_2_naming_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(["--seed", str(seed), "--db", str(tmp_path / "x.sqlite3")]))
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(f"csms-under-test: error: {seed}")
    assert message in error


def test_a_csr_ca_that_is_no_pem_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate\n")
    (tmp_path / "ca.key").write_text("not a key\n")
    args = ["--db", str(tmp_path / "db.sqlite3")]
    args += ["--csr-ca-cert", str(tmp_path / "ca.pem"), "--csr-ca-key", str(tmp_path / "ca.key")]
    assert main(args) == 2
    assert "--csr-ca-cert/--csr-ca-key: " in capsys.readouterr().err


def test_port_in_use_exits_2(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        finished = subprocess.run(
            _command("--port", port, "--api-port", "0", "--db", str(tmp_path / "x.sqlite3")),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
    assert finished.returncode == 2
    assert "cannot start" in finished.stderr
