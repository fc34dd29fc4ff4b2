"""A bare websocket handshake for Streamlit's /_stcore/stream, to see whether a server accepts a Host and Origin."""

from __future__ import annotations

import base64
import os
import socket


def handshake_status_line(sock: socket.socket, host: str, origin: str | None) -> bytes:
    """Send a websocket handshake for ``/_stcore/stream`` with ``host`` (and ``origin`` when given) on ``sock``;
    return the answer's status line, e.g. ``b"HTTP/1.1 101 Switching Protocols"`` (empty when the connection was
    closed without one). ``sock`` is left open."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /_stcore/stream HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: streamlit"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    answer = b""
    while b"\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    return answer.split(b"\r\n", 1)[0]
