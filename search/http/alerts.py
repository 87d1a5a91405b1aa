"""The alerts API: saved searches, their delivery logs and their feeds.

``/api/alerts`` (POST, GET), ``/api/alerts/{id}`` (GET, PUT, PATCH, DELETE)
and ``/api/alerts/{id}/deliveries`` need a write key; each key sees only the
alerts it made. ``/api/alerts/{id}/feed.atom?token=…`` needs the alert's
feed token instead (feed readers send no headers). The store is opened on
the first call (which sets the matcher's watermark: alerts tell of what is
published from then on).
"""

from __future__ import annotations

import hmac
import os
import threading
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import falcon

from index.readers import RecordError, load_json

from ..alerts.match import check_search, search_request
from ..alerts.service import open_alerts
from ..alerts.store import Alert, AlertNotFound, AlertStore, Delivery
from ..backend import Engine
from .feeds import FEED_SIZE, atom_feed, describe_search
from .models import AlertIn, AlertList, AlertOut, DeliveryLog, DeliveryOut, Model
from .problems import InvalidParameter
from .writes import JSON_TYPES, WriteGuard, _body, _media_type, _unsupported

MAX_ALERT_BODY = 16 * 1024


class Alerts:
    """What the alert resources share: the engine, the key guard and the store."""

    def __init__(self, engine: Engine, index_dir: str | os.PathLike, guard: WriteGuard, base_url: str):
        self.engine = engine
        self.index_dir = index_dir
        self.guard = guard
        self.base_url = base_url
        self._store: AlertStore | None = None
        self._opening = threading.Lock()

    @property
    def store(self) -> AlertStore:
        with self._opening:
            if self._store is None:
                self._store = open_alerts(self.engine, self.index_dir)
            return self._store

    def owned(self, req: falcon.Request, alert_id: str) -> tuple[str, Alert]:
        owner = self.guard.require(req)
        try:
            return owner, self.store.get(alert_id, owner)
        except AlertNotFound:
            raise falcon.HTTPNotFound(
                title="Alert not found", description=f"no alert {alert_id!r} of this key"
            ) from None

    def checked(self, spec: AlertIn) -> dict:
        """The saved search, refused as search would refuse it (a query too
        long, a source the index does not hold)."""
        search = spec.search()
        check_search(self.engine, search)
        return search

    def out(self, alert: Alert) -> AlertOut:
        search = alert.search
        path = f"/api/alerts/{quote(alert.id)}"
        return AlertOut(
            id=alert.id,
            name=alert.name,
            q=search.get("q") or "",
            date_from=search.get("from"),
            date_to=search.get("to"),
            category=list(search.get("category") or []),
            source=list(search.get("source") or []),
            author=list(search.get("author") or []),
            webhook={"url": alert.webhook_url},
            updates=alert.updates,
            digest_minutes=alert.digest_minutes,
            created=_moment(alert.created),
            changed=_moment(alert.changed),
            feed=f"{self.base_url}{path}/feed.atom?token={alert.feed_token}",
            deliveries=f"{self.base_url}{path}/deliveries",
        )


def alert_body(alert: Alert) -> dict:
    """The alert as the body that would make it (its secret included)."""
    return {
        "name": alert.name,
        **{k: v for k, v in alert.search.items() if v not in (None, [], "")},
        "webhook": {"url": alert.webhook_url, "secret": alert.webhook_secret},
        "updates": alert.updates,
        "digest_minutes": alert.digest_minutes,
    }


def changed_body(alert: Alert, changes: dict) -> dict:
    """The body of ``alert`` with ``changes`` (a PATCH) applied; a webhook's
    keys change one by one."""
    now = alert_body(alert)
    if isinstance(changes.get("webhook"), dict):
        changes = {**changes, "webhook": {**now["webhook"], **changes["webhook"]}}
    return {**now, **changes}


def changed_alert(alert: Alert, spec: AlertIn, search: dict) -> Alert:
    return replace(
        alert,
        name=spec.name,
        search=search,
        webhook_url=spec.webhook.url,
        webhook_secret=spec.webhook.secret,
        updates=spec.updates,
        digest_minutes=spec.digest_minutes,
    )


def alert_fields(alert: Alert) -> dict:
    """The alert as ``berita alerts show`` prints it (no secret, no URLs)."""
    body = alert_body(alert)
    body["webhook"] = {"url": alert.webhook_url}
    return {"id": alert.id, "owner": alert.owner, **body, "created": _moment(alert.created).isoformat()}


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _json_body(req: falcon.Request) -> object:
    if _media_type(req) not in JSON_TYPES:
        raise _unsupported(_media_type(req), JSON_TYPES)
    try:
        return load_json(_body(req, MAX_ALERT_BODY, "an alert as a JSON object"))
    except RecordError as exc:
        raise InvalidParameter("body", str(exc)) from None


def _send(resp: falcon.Response, answer: Model, status: str = falcon.HTTP_200) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = answer.json_bytes()


class AlertsResource:
    """POST makes an alert; GET lists this key's alerts."""

    def __init__(self, alerts: Alerts):
        self.alerts = alerts

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        owner = self.alerts.guard.require(req)
        spec = AlertIn.parse(_json_body(req))
        search = self.alerts.checked(spec)
        alert = self.alerts.store.add(
            owner, spec.name, search, spec.webhook.url, spec.webhook.secret, spec.updates, spec.digest_minutes
        )
        resp.location = f"/api/alerts/{quote(alert.id)}"
        _send(resp, self.alerts.out(alert), falcon.HTTP_201)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        owner = self.alerts.guard.require(req)
        _send(resp, AlertList(alerts=[self.alerts.out(a) for a in self.alerts.store.alerts(owner)]))


class AlertResource:
    """One alert: read, replace (PUT), change some keys (PATCH), delete."""

    def __init__(self, alerts: Alerts):
        self.alerts = alerts

    def on_get(self, req: falcon.Request, resp: falcon.Response, alert_id: str) -> None:
        _, alert = self.alerts.owned(req, alert_id)
        _send(resp, self.alerts.out(alert))

    def on_put(self, req: falcon.Request, resp: falcon.Response, alert_id: str) -> None:
        _, alert = self.alerts.owned(req, alert_id)
        self._store(resp, alert, AlertIn.parse(_json_body(req)))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, alert_id: str) -> None:
        _, alert = self.alerts.owned(req, alert_id)
        body = _json_body(req)
        if not isinstance(body, dict):
            raise InvalidParameter("body", "the body must be a JSON object of the keys to change")
        self._store(resp, alert, AlertIn.parse(changed_body(alert, body)))

    def _store(self, resp: falcon.Response, alert: Alert, spec: AlertIn) -> None:
        search = self.alerts.checked(spec)
        try:
            stored = self.alerts.store.update(changed_alert(alert, spec, search))
        except AlertNotFound:  # deleted meanwhile
            raise falcon.HTTPNotFound(title="Alert not found", description=f"no alert {alert.id!r}") from None
        _send(resp, self.alerts.out(stored))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, alert_id: str) -> None:
        owner, alert = self.alerts.owned(req, alert_id)
        try:
            self.alerts.store.delete(alert.id, owner)
        except AlertNotFound:
            raise falcon.HTTPNotFound(title="Alert not found", description=f"no alert {alert.id!r}") from None
        resp.status = falcon.HTTP_204


class DeliveriesResource:
    """GET: the alert's delivery log, newest first."""

    def __init__(self, alerts: Alerts):
        self.alerts = alerts

    def on_get(self, req: falcon.Request, resp: falcon.Response, alert_id: str) -> None:
        _, alert = self.alerts.owned(req, alert_id)
        _send(resp, DeliveryLog(deliveries=[delivery_out(d) for d in self.alerts.store.deliveries(alert.id)]))


def delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        status=delivery.status,
        created=_moment(delivery.created),
        due=_moment(delivery.due),
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        delivered=_moment(delivery.delivered) if delivery.delivered else None,
        articles=[{k: v for k, v in a.items() if k != "digest"} for a in delivery.articles],
    )


class AlertFeedResource:
    """GET: the alert's saved search as an Atom feed (its newest matches)."""

    def __init__(self, alerts: Alerts):
        self.alerts = alerts

    def on_get(self, req: falcon.Request, resp: falcon.Response, alert_id: str) -> None:
        token = req.get_param("token") or ""
        try:
            alert = self.alerts.store.get(alert_id, None)
        except AlertNotFound:
            alert = None
        if alert is None or not hmac.compare_digest(token.encode(), alert.feed_token.encode()):
            raise falcon.HTTPNotFound(title="Alert not found", description="no such alert feed (check its token)")
        request = replace(search_request(alert.search), size=FEED_SIZE)
        result = self.alerts.engine.search(request)
        self_url = f"{self.alerts.base_url}/api/alerts/{quote(alert.id)}/feed.atom?token={alert.feed_token}"
        resp.content_type = "application/atom+xml; charset=utf-8"
        search = {k: v for k, v in alert.search.items() if v not in (None, "", [])}
        page = f"{self.alerts.base_url}/cari?{urlencode(search, doseq=True)}"
        description = f"{alert.name}: {describe_search(request)}"
        resp.data = atom_feed(result, self_url, self.alerts.base_url, description, page)
