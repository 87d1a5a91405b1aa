"""A real webhook receiver on 127.0.0.1 for alert delivery tests and probes:
it records each POST (delivery id, whether the signature verifies, the JSON)
and can be stopped and started again on the same port (a receiver down)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    delivery_id: str
    signed: bool  # X-Berita-Signature verifies with the secret
    body: dict


class Receiver:
    def __init__(self, secret: str, port: int = 0, delay: float = 0.0):
        self.secret = secret
        self.delay = delay  # seconds it waits before answering each POST (recorded already)
        self.started = 0  # POSTs received
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = port
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                signed = hmac.compare_digest(expected, self.headers.get("X-Berita-Signature") or "")
                with receiver._lock:
                    receiver.started += 1
                    receiver.received.append(
                        Received(self.headers.get("X-Berita-Delivery") or "", signed, json.loads(body))
                    )
                time.sleep(receiver.delay)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:  # the sender is gone (killed mid-delivery)
                    pass

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True  # a handler still waiting (delay) never holds up stop()
            block_on_close = False

        self._server = Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)
