"""Child processes the tests start, each in its own session with its output collected.

A session of its own (a process group) means stopping the child stops what it started
too: uvicorn's workers, or the ganache and scheduler of ``anchor-service dev``. The
output is read line by line in a thread, so the pipe never fills and blocks the child,
a test can wait for a line, and a failure can show what the child said.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

# Which of the child's streams are collected into ``lines`` (the others are discarded).
Output = Literal["both", "stdout", "stderr", "none"]


def service_command(*args: str) -> list[str]:
    """``anchor-service <args>`` as this interpreter runs it (no installed script needed)."""
    return [sys.executable, "-m", "anchor_service.cli", *args]


def service_env(**values: str) -> dict[str, str]:
    """This process's environment without its ``ANCHOR_*`` variables, plus ``values``.

    The developer's own settings must not leak into a service the test configures.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANCHOR_")}
    env.update(values)
    return env


class ChildProcess:
    """``command`` started at once in a new session; stopped on leaving a ``with`` block."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        output: Output = "both",
    ) -> None:
        collect_stdout = output in ("both", "stdout")
        stderr: int = subprocess.DEVNULL
        if output == "both":
            stderr = subprocess.STDOUT
        elif output == "stderr":
            stderr = subprocess.PIPE
        self.process = subprocess.Popen(
            list(command), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if collect_stdout else subprocess.DEVNULL, stderr=stderr,
            text=True, start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        stream: IO[str] | None = self.process.stdout if collect_stdout else self.process.stderr
        self._reader: threading.Thread | None = None
        if stream is not None:
            self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
            self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in iter(stream.readline, ""):
            self.lines.append(line)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    @property
    def out(self) -> str:
        """Everything collected so far."""
        return "".join(self.lines)

    def alive(self) -> bool:
        return self.process.poll() is None

    def saw(self, text: str, after: int = 0) -> bool:
        """Whether a line from number ``after`` on contains ``text``."""
        return any(text in line for line in self.lines[after:])

    def has(self, pattern: str) -> bool:
        """Whether a collected line matches the regular expression ``pattern``."""
        return any(re.search(pattern, line) for line in list(self.lines))

    def send_signal(self, sig: int) -> None:
        """Signal the child alone (not its group)."""
        self.process.send_signal(sig)

    def signal_group(self, sig: int) -> None:
        """Signal the child and everything it started, as a terminal's Ctrl-C does."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def group_alive(self) -> bool:
        """Whether any process of the child's group is still running."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def wait(self, timeout: float) -> int:
        """The exit status, once the child has exited and its output is read to the end."""
        code = self.process.wait(timeout=timeout)
        self.join_output()
        return code

    def join_output(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=5)

    def kill(self) -> None:
        """SIGKILL the whole group (no clean-up runs)."""
        self.signal_group(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.join_output()

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the group; SIGKILL whatever is left after ``timeout`` seconds."""
        self.signal_group(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        self.kill()

    def __enter__(self) -> ChildProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
