"""Free TCP ports for the servers the tests start."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the OS's choice).

    Another process may take it before the caller binds it; on a test machine that is
    rare enough, and the alternative (fixed ports) collides every time two runs overlap.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
