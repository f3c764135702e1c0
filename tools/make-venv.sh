#!/bin/sh
# usage: tools/make-venv.sh PYTHON DIR
#
# Create the virtualenv DIR with PYTHON (unless it exists), then bring its pip and
# setuptools up to date: `python -m venv` installs the copies bundled with Python
# (pip 23.2.1 and setuptools 65.5.0 on 3.11), which have known CVEs. The minimums are
# the first releases without them; Brownie (.venv-brownie) runs with current setuptools.
# Idempotent: make runs it for .venv and .venv-brownie (tests/service/test_venvs.py).
set -eu
python=$1
venv=$2
test -x "$venv/bin/python" || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade \
	'pip>=24.0' 'setuptools>=78.1.1'
