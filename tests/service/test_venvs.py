"""The virtualenvs ``make`` creates (``.venv``, ``.venv-brownie``) get a current pip and
setuptools, not the ones ``python -m venv`` bundles (pip 23.2.1 and setuptools 65.5.0 on
Python 3.11, with known CVEs).

Both recipes of the Makefile create their venv with ``tools/make-venv.sh``; the script is
run here for real into a fresh venv, and the versions it leaves are read from that venv.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAKE_VENV = ROOT / "tools" / "make-venv.sh"

#: The oldest releases without the known advisories (pip: CVE-2023-5752, fixed in 23.3;
#: setuptools: CVE-2024-6345 and CVE-2025-47273, fixed in 70.0 and 78.1.1).
MIN_PIP = (24, 0)
MIN_SETUPTOOLS = (78, 1, 1)


def _recipe(target: str) -> list[str]:
    """The recipe lines of ``target`` in the Makefile, without their leading tab."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert match is not None, f"no recipe for {target} in the Makefile"
    return [line[1:] for line in match.group(1).splitlines()]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_both_venv_recipes_create_their_venv_with_the_script() -> None:
    for target, venv in (("$(VENV)/.installed", "$(VENV)"), ("$(BVENV)/.installed", "$(BVENV)")):
        lines = _recipe(target)
        assert lines[0] == f"tools/make-venv.sh $(PYTHON) {venv}", lines
        assert not any("-m venv" in line for line in lines[1:]), lines
    # a changed script re-runs both recipes, so existing venvs are upgraded too
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\$\(VENV\)/\.installed:.*tools/make-venv\.sh", makefile, re.MULTILINE)
    assert re.search(r"^\$\(BVENV\)/\.installed:.*tools/make-venv\.sh", makefile, re.MULTILINE)


def _installed(venv: Path, distribution: str) -> tuple[int, ...]:
    probe = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return _version(done.stdout)


def test_make_venv_creates_a_venv_with_a_current_pip_and_setuptools(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    done = subprocess.run(
        [str(MAKE_VENV), sys.executable, str(venv)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _installed(venv, "pip") >= MIN_PIP
    assert _installed(venv, "setuptools") >= MIN_SETUPTOOLS
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert pip.returncode == 0 and _version(pip.stdout.split(" from ")[0]) >= MIN_PIP


def test_make_venv_upgrades_an_existing_venv_with_the_bundled_pip(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bundled = _installed(venv, "pip")
    done = subprocess.run(
        [str(MAKE_VENV), sys.executable, str(venv)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _installed(venv, "pip") >= max(MIN_PIP, bundled)
    assert _installed(venv, "setuptools") >= MIN_SETUPTOOLS
