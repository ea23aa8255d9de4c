"""Run the app with uvicorn on a socket bound first, so that a port in use is one clear line."""
from __future__ import annotations

import errno
import socket

from ..errors import ConfigError


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is in use: stop what listens there or pick another "
                              "with --port") from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def run(app, sock: socket.socket, log_level: str = "warning") -> None:
    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, access_log=False, server_header=False, proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])
