"""Webhook deliveries: signed POSTs from the outbox, retried with backoff.

Each delivery is a JSON POST signed as GitHub and Stripe sign theirs:
``X-Berita-Signature: sha256=<hex HMAC-SHA256 of the body with the alert's
secret>``. The delivery id (also ``X-Berita-Delivery``) is the idempotency
id: stable across retries and restarts, because a delivery is marked
delivered only after the receiver's 2xx, and a process killed in between
sends it again with the same id (at least once). A failure is retried after
1, 2, 4, … seconds up to ``retry_cap``; after ``MAX_ATTEMPTS`` it is given up
(``failed``, with the last error in the log).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from importlib.metadata import PackageNotFoundError, version

from .store import Alert, AlertNotFound, AlertStore, Delivery

log = logging.getLogger("berita.alerts")
SIGNATURE_HEADER = "X-Berita-Signature"
DELIVERY_HEADER = "X-Berita-Delivery"
SEND_TIMEOUT = 10.0  # seconds a receiver has to answer
RETRY_BASE = 1.0
DEFAULT_RETRY_CAP = 300.0
MAX_ATTEMPTS = 30  # with the default cap: about two hours of trying

try:
    USER_AGENT = f"Berita/{version('berita')} (alerts)"
except PackageNotFoundError:
    USER_AGENT = "Berita (alerts)"


def signature(secret: str, body: bytes) -> str:
    """The header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def payload(alert: Alert, delivery: Delivery) -> bytes:
    """The JSON a webhook receives."""
    articles = [{k: v for k, v in a.items() if k != "digest"} for a in delivery.articles]
    body = {
        "alert": {"id": alert.id, "name": alert.name},
        "delivery_id": delivery.id,
        "digest": bool(alert.digest_minutes),
        "articles": articles,
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def backoff(attempts: int, cap: float) -> float:
    """Seconds before the next try after ``attempts`` failed ones."""
    return min(cap, RETRY_BASE * 2 ** max(0, attempts - 1))


class Deliverer:
    """Sends due deliveries one by one on its own thread."""

    def __init__(self, store: AlertStore, retry_cap: float = DEFAULT_RETRY_CAP, clock=time.time):
        self.store = store
        self.retry_cap = retry_cap
        self.clock = clock
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="berita-alert-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=SEND_TIMEOUT + 5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.send_due()
            except Exception:  # a locked or damaged store: try again shortly
                log.exception("alert deliveries failed")
                sent = 0
            if sent:
                continue
            nxt = None
            try:
                nxt = self.store.next_due()
            except Exception:
                log.exception("alert store unreadable")
            wait = 1.0 if nxt is None else min(1.0, max(0.0, nxt - self.clock()))
            self.wake.wait(wait)
            self.wake.clear()

    def send_due(self) -> int:
        """Try every delivery that is due now; how many were tried."""
        due = self.store.due(self.clock())
        for delivery in due:
            if self._stop.is_set():
                break
            if delivery.status == "collecting":  # a digest's window ended: later matches go to the next
                closed = self.store.close_digest(delivery.id)
                if closed is None:
                    continue
                delivery = closed
            self.send(delivery)
        return len(due)

    def send(self, delivery: Delivery) -> bool:
        try:
            alert = self.store.get(delivery.alert_id, None)
        except AlertNotFound:  # deleted since: nobody to tell
            self.store.mark_failed_attempt(delivery.id, "the alert was deleted", None)
            return False
        body = payload(alert, delivery)
        request = urllib.request.Request(
            alert.webhook_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                SIGNATURE_HEADER: signature(alert.webhook_secret, body),
                DELIVERY_HEADER: delivery.id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as answer:
                answer.read(65536)
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = str(getattr(exc, "reason", None) or exc)
        else:
            self.store.mark_delivered(delivery.id, self.clock())
            return True
        attempts = delivery.attempts + 1
        retry_at = None if attempts >= MAX_ATTEMPTS else self.clock() + backoff(attempts, self.retry_cap)
        self.store.mark_failed_attempt(delivery.id, error, retry_at)
        log.warning("alert delivery %s to %s failed (%s), attempt %d", delivery.id, alert.webhook_url, error, attempts)
        return False
