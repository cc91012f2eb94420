"""What the repository must never hold: a private key (test keys are made at test time,
`simulator/demo_pki.py`)."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# PEM "BEGIN PRIVATE KEY", "BEGIN EC PRIVATE KEY", ...; in two parts so that this file holds none
PRIVATE_KEY = b"PRIVATE " + b"KEY-----"


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False, timeout=30
    )
    if listed.returncode != 0:  # an unpacked sdist: every file is the project's
        return [path for path in ROOT.rglob("*") if path.is_file() and ".venv" not in path.parts]
    return [ROOT / name for name in listed.stdout.decode().split("\0") if name]


def test_no_private_key_is_committed() -> None:
    holding = [
        str(path.relative_to(ROOT))
        for path in _tracked_files()
        if path.is_file() and PRIVATE_KEY in path.read_bytes()
    ]
    assert holding == []
