"""The dashboard server's gate: only its own address, only its own pages' sockets, a session cap.

:class:`Guard` is a plain ASGI middleware that ``govsim dashboard`` puts in front of Solara's
Starlette app (``solara.server.starlette.app``) before the server starts:

* the ``Host`` header of every HTTP request and WebSocket must name an address the server was
  started for (``127.0.0.1:PORT``, ``localhost:PORT``... or, with ``--host``, the addresses of
  this computer); anything else (DNS rebinding, a stray proxy) gets 421;
* a request that carries an ``Origin`` must come from one of those addresses, and a WebSocket
  must carry one: a page on another site cannot open a kernel (403);
* when :data:`max_sessions` live sessions (Solara kernels) exist, a new page gets a plain
  "the dashboard is full" page (503) and a new kernel socket is refused, instead of the server
  slowing down for everyone; Solara's diagnostics (``/resourcez``) answer only this computer.
"""

from __future__ import annotations

import html
import ipaddress
import socket
from collections.abc import Iterable

__all__ = ["Guard", "allowed_hosts", "live_sessions", "student_address"]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
FULL_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>The dashboard is full</title></head><body style="font: 20px sans-serif; margin: 3em">
<main><h1>The dashboard is full</h1><p>{count} sessions are open already, the most this
computer serves at once. Close a tab you no longer use, or try again in a few minutes: a tab
whose browser has gone is closed after {timeout}.</p></main></body></html>"""


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _local_addresses() -> set[str]:
    """This computer's own addresses and names (for a server listening on all interfaces)."""
    found = {socket.gethostname(), socket.getfqdn()}
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(str(info[4][0]))
    except OSError:
        pass
    found.add(_outward_address() or "")
    return {a for a in found if a}


def _outward_address() -> str | None:
    """The address of the interface that routes outwards (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            return s.getsockname()[0]
    except OSError:
        return None


def student_address(host: str) -> str:
    """The address students' devices type: ``host``, or this computer's network address."""
    try:
        unspecified = ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host
    return (_outward_address() or "127.0.0.1") if unspecified else _bracket(host)


def allowed_hosts(host: str, port: int, extra: Iterable[str] = ()) -> set[str]:
    """``Host`` header values the server answers: ``name:port`` for each of its addresses."""
    names = set(LOOPBACK_NAMES)
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        names.add(host)
    else:
        if ip.is_unspecified:  # 0.0.0.0 or ::: every address of this computer
            names |= _local_addresses()
        else:
            names.add(str(ip))
    names |= set(extra)
    return {f"{_bracket(n).lower()}:{port}" for n in names}


def live_sessions() -> int:
    """Solara kernels (one per open page) not yet closed."""
    from solara.server import kernel_context

    return sum(1 for c in list(kernel_context.contexts.values()) if not c.closed_event.is_set())


def _kernel_exists(kernel_id: str) -> bool:
    from solara.server import kernel_context

    ctx = kernel_context.contexts.get(kernel_id)
    return ctx is not None and not ctx.closed_event.is_set()


def _is_page(path: str) -> bool:
    return not path.startswith(("/static", "/_solara", "/jupyter", "/readyz", "/resourcez"))


class Guard:
    """ASGI middleware: Host and Origin checks and a cap on live sessions (see the module)."""

    def __init__(self, app, *, hosts: set[str], max_sessions: int, timeout: str = "minutes"):
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.max_sessions = max_sessions
        self.timeout = timeout

    async def __call__(self, scope, receive, send):
        """Let a request through, or answer it with a refusal."""
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "").lower()
        origin = headers.get("origin")
        path = scope.get("path", "")
        if host not in self.hosts:
            return await self._refuse(kind, send, 421, "This server does not answer that host.")
        if kind == "websocket" and (origin is None or origin.lower() not in self.origins):
            return await self._refuse(kind, send, 403, "Sockets only from the dashboard's pages.")
        if origin is not None and origin.lower() not in self.origins:
            return await self._refuse(kind, send, 403, "Requests only from the dashboard's pages.")
        client = (scope.get("client") or ("", 0))[0]
        if path.startswith("/resourcez") and not _is_loopback(client):
            return await self._refuse(kind, send, 403, "Diagnostics answer this computer only.")
        if self.max_sessions:
            if kind == "http" and _is_page(path) and scope.get("method") == "GET":
                count = live_sessions()
                if count >= self.max_sessions:
                    body = FULL_PAGE.format(count=count, timeout=html.escape(self.timeout))
                    return await _respond(send, 503, body, "text/html; charset=utf-8")
            if kind == "websocket" and path.startswith("/jupyter/api/kernels/"):
                kernel_id = path.split("/")[4] if path.count("/") >= 5 else ""
                if not _kernel_exists(kernel_id) and live_sessions() >= self.max_sessions:
                    return await self._refuse(kind, send, 503, "The dashboard is full.")
        return await self.app(scope, receive, send)

    async def _refuse(self, kind: str, send, status: int, text: str) -> None:
        if kind == "websocket":  # closing before accepting answers the handshake with 403
            await send({"type": "websocket.close", "code": 1008, "reason": text[:120]})
            return
        await _respond(send, status, text, "text/plain; charset=utf-8")


def _is_loopback(client: str) -> bool:
    try:
        return ipaddress.ip_address(client).is_loopback
    except ValueError:
        return False


async def _respond(send, status: int, body: str, content_type: str) -> None:
    data = body.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
