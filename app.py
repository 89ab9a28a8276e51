"""Concerto's Chalice app: composition only — middleware and blueprints."""

from typing import Any

from chalice import Chalice  # type: ignore[attr-defined]

from chalicelib.api import realtime
from chalicelib.api.account import account_api
from chalicelib.api.activity import activity_api
from chalicelib.api.admin import admin_api
from chalicelib.api.alerts import alerts_api
from chalicelib.api.channels import channels_api
from chalicelib.api.console import console
from chalicelib.api.digest import digest_api
from chalicelib.api.exports import exports_api
from chalicelib.api.middleware import cloudfront_only, security_headers
from chalicelib.api.moderation import moderation_api
from chalicelib.api.privacy import privacy_api
from chalicelib.api.public import public
from chalicelib.api.settings import settings_api
from chalicelib.api.templates import templates_api
from chalicelib.api.topic_rebuild import topic_rebuild_api
from chalicelib.api.topics import topics_api
from chalicelib.observability import log_requests
from chalicelib.workers.alerts import alerts_worker
from chalicelib.workers.analysis import analysis_worker
from chalicelib.workers.delivery import delivery_worker
from chalicelib.workers.digest import digest_worker
from chalicelib.workers.exports import exports_worker
from chalicelib.workers.inbound import inbound_worker
from chalicelib.workers.mail import mail_worker
from chalicelib.workers.retention import retention_worker
from chalicelib.workers.retraining import retraining_worker
from chalicelib.workers.topics import topics_worker

app = Chalice(app_name="concerto")
app.experimental_feature_flags.update(["WEBSOCKETS"])
app.register_middleware(log_requests, "http")
app.register_middleware(security_headers, "http")
app.register_middleware(cloudfront_only, "http")
app.register_blueprint(public)
app.register_blueprint(console)
app.register_blueprint(account_api)
app.register_blueprint(alerts_api)
app.register_blueprint(topics_api)
app.register_blueprint(activity_api)
app.register_blueprint(settings_api)
app.register_blueprint(templates_api)
app.register_blueprint(moderation_api)
app.register_blueprint(digest_api)
app.register_blueprint(exports_api)
app.register_blueprint(channels_api)
app.register_blueprint(admin_api)
app.register_blueprint(privacy_api)
app.register_blueprint(topic_rebuild_api)
app.register_blueprint(analysis_worker)
app.register_blueprint(retraining_worker)
app.register_blueprint(alerts_worker)
app.register_blueprint(exports_worker)
app.register_blueprint(delivery_worker)
app.register_blueprint(digest_worker)
app.register_blueprint(mail_worker)
app.register_blueprint(inbound_worker)
app.register_blueprint(retention_worker)
app.register_blueprint(topics_worker)


# The consoles' WebSocket (Chalice wraps WebSocket handlers only when declared on the app).
@app.on_ws_connect()
def ws_connect(event: Any) -> dict[str, Any]:
    return realtime.connect(event)


@app.on_ws_message()
def ws_message(event: Any) -> dict[str, Any]:
    return realtime.message(event)


@app.on_ws_disconnect()
def ws_disconnect(event: Any) -> dict[str, Any]:
    return realtime.disconnect(event)
