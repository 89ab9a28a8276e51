"""Concerto's Chalice app: composition only — middleware and blueprints."""

from chalice import Chalice  # type: ignore[attr-defined]

from chalicelib.api.alerts import alerts_api
from chalicelib.api.console import console
from chalicelib.api.exports import exports_api
from chalicelib.api.middleware import security_headers
from chalicelib.api.public import public
from chalicelib.observability import log_requests
from chalicelib.workers.alerts import alerts_worker
from chalicelib.workers.analysis import analysis_worker
from chalicelib.workers.exports import exports_worker
from chalicelib.workers.retraining import retraining_worker

app = Chalice(app_name="concerto")
app.register_middleware(log_requests, "http")
app.register_middleware(security_headers, "http")
app.register_blueprint(public)
app.register_blueprint(console)
app.register_blueprint(alerts_api)
app.register_blueprint(exports_api)
app.register_blueprint(analysis_worker)
app.register_blueprint(retraining_worker)
app.register_blueprint(alerts_worker)
app.register_blueprint(exports_worker)
