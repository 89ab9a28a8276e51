"""The embedded runtime behind `make run`: moto's server as AWS, the resources of the CDK
stack, seeded demo communes, the API on Chalice's local server and the queue workers."""

from __future__ import annotations

import functools
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.worker import Foreground

REGION = "eu-west-1"
DEFAULT_DEMO_PASSWORD = "Concerto-Demo-2026!"
ROOT = Path(__file__).resolve().parent.parent
# The running runtime's environment, for commands that act on it (`make retrain`). Tests and
# benchmarks point theirs elsewhere, not to overwrite (then delete) that of `make run`.
RUNTIME_FILE = Path(os.environ.get("CONCERTO_RUNTIME_FILE") or ROOT / ".concerto" / "runtime.json")
_RUNTIME_KEYS = ("AWS_", "CONCERTO_", "POWERTOOLS_")
# Reached in this process only (moto's in-process mock answers them); other processes use
# the server's URL, AWS_ENDPOINT_URL.
IN_PROCESS_ENDPOINTS = {
    "AWS_ENDPOINT_URL_DYNAMODB": f"https://dynamodb.{REGION}.amazonaws.com",
    "AWS_ENDPOINT_URL_SQS": f"https://sqs.{REGION}.amazonaws.com",
}


@dataclass
class Settings:
    api_port: int = 8000
    web_port: int = 8080
    aws_port: int = 5000
    smtp_port: int = 2525
    realtime_port: int = 8001
    outbox_port: int = 8003
    graph_port: int = 8002
    host: str = "127.0.0.1"
    demo_password: str = DEFAULT_DEMO_PASSWORD
    seed_opinions: bool = True
    # The alert job runs hourly in AWS; locally every minute, to be seen at work.
    alerts_every_seconds: float = 60

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            api_port=int(env.get("CONCERTO_API_PORT", "8000")),
            web_port=int(env.get("CONCERTO_WEB_PORT", "8080")),
            aws_port=int(env.get("CONCERTO_AWS_PORT", "5000")),
            smtp_port=int(env.get("CONCERTO_SMTP_PORT", "2525")),
            realtime_port=int(env.get("CONCERTO_REALTIME_PORT", "8001")),
            outbox_port=int(env.get("CONCERTO_OUTBOX_PORT", "8003")),
            graph_port=int(env.get("CONCERTO_GRAPH_PORT", "8002")),
            demo_password=env.get("CONCERTO_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
            seed_opinions=env.get("CONCERTO_SEED_OPINIONS", "1") != "0",
            alerts_every_seconds=float(env.get("CONCERTO_ALERTS_EVERY_SECONDS", "60")),
        )

    @property
    def aws_url(self) -> str:
        return f"http://{self.host}:{self.aws_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def realtime_url(self) -> str:
        return f"ws://{self.host}:{self.realtime_port}"


@dataclass
class Runtime:
    settings: Settings
    stoppers: list[Any] = field(default_factory=list)
    foreground: Foreground = field(default_factory=Foreground)

    def start(self) -> dict[str, str]:
        settings = self.settings
        _check_ports_free(settings)
        _aws_environment(settings)
        from moto.server import ThreadedMotoServer

        from local import moto_dynamodb, moto_sqs
        from local.mfa import MOTO_TOTP_SWITCH

        moto_dynamodb.install()
        moto_sqs.install()
        self._serve_hot_services_in_process()

        # moto's Cognito then checks TOTP codes as Cognito does (admins sign in with one).
        os.environ[MOTO_TOTP_SWITCH] = "true"

        moto_server = ThreadedMotoServer(ip_address=settings.host, port=settings.aws_port)
        moto_server.start()
        self.stoppers.append(moto_server.stop)

        from local.provision import provision

        provisioned = provision(REGION)
        os.environ.update(provisioned.env)
        os.environ.update(_app_environment(settings, provisioned.user_pool_id))
        os.environ["CONCERTO_DEMO_PASSWORD"] = settings.demo_password

        from chalicelib import bootstrap
        from local.graph import FakeGraph
        from local.seed import seed

        graph = FakeGraph(settings.host, settings.graph_port)
        graph.start()
        self.stoppers.append(graph.stop)

        seeded = seed(
            bootstrap.ports(),
            REGION,
            provisioned.user_pool_id,
            settings.demo_password,
            opinions=settings.seed_opinions,
        )
        _upload_training_data()
        origin_secret = _origin_secret()
        self._start_api()
        self._start_realtime()
        self._start_workers(provisioned.env)
        self._start_mail()
        self._start_site(origin_secret)
        _wait_healthy(settings.api_url, origin_secret)
        RUNTIME_FILE.parent.mkdir(exist_ok=True)
        RUNTIME_FILE.write_text(
            json.dumps(
                {
                    k: v
                    for k, v in os.environ.items()
                    if k.startswith(_RUNTIME_KEYS) and k not in IN_PROCESS_ENDPOINTS
                },
                indent=2,
            )
        )
        self.stoppers.append(lambda: RUNTIME_FILE.unlink(missing_ok=True))
        return {**provisioned.env, "seeded": str(seeded)}

    def _serve_hot_services_in_process(self) -> None:
        """The API and the workers run in this process, beside moto's server: their DynamoDB
        and SQS calls, the bulk of the load, go straight to moto's backends (the ones the
        server serves) instead of through HTTP, about 3x cheaper per call. A service-specific
        endpoint on AWS's own hostname is what moto's in-process mock intercepts; every
        other service (S3's presigned links, Cognito) keeps the server's URL, which the
        browser and the other commands reach."""
        from moto import mock_aws

        in_process = mock_aws()
        in_process.start()
        self.stoppers.append(in_process.stop)
        os.environ.update(IN_PROCESS_ENDPOINTS)

    def _start_api(self) -> None:
        """Chalice's local server already serves each connection on its own thread
        (ThreadingMixIn), and `create_local_server` makes the app's `current_request`
        thread-local: concurrent requests never see each other's request."""
        from chalice.cli.factory import CLIFactory
        from chalice.local import ChaliceRequestHandler, create_local_server

        from app import app

        foreground = self.foreground

        class ApiRequestHandler(ChaliceRequestHandler):
            # The handler writes a response's headers and body separately: with Nagle's
            # algorithm on, the body then waits for the client's delayed ACK (~40 ms a
            # request, 13 requests/s for one client; 44/s without).
            disable_nagle_algorithm = True

            def _counted_handle(self) -> None:
                with foreground:  # one request runs the app at a time (local.worker)
                    self._generic_handle()

            # http.server answers 501 (in HTML) to a method without a do_ handler; TRACE
            # and QUERY reach the app, which answers 405 in the API's error format.
            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = (
                do_QUERY
            ) = _counted_handle

        config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name="dev")
        server = create_local_server(app, config, self.settings.host, self.settings.api_port)
        server.server.RequestHandlerClass = functools.partial(
            ApiRequestHandler, app_object=app, config=config
        )
        thread = threading.Thread(target=server.serve_forever, name="api", daemon=True)
        thread.start()
        self.stoppers.append(server.shutdown)

    def _start_realtime(self) -> None:
        import app
        from local.realtime import LocalWebSocketGateway

        gateway = LocalWebSocketGateway(
            self.settings.host,
            self.settings.realtime_port,
            {
                "$connect": app.ws_connect,
                "$default": app.ws_message,
                "$disconnect": app.ws_disconnect,
            },
        )
        gateway.start()
        self.stoppers.append(gateway.stop)

    def _start_site(self, origin_secret: str | None) -> None:
        """The static frontend/ (citizen site, console, embeddable form), with the API under
        /api on the same origin, as CloudFront serves them in AWS (and its origin secret,
        when the runtime has one)."""
        from local.site import start_site

        settings = self.settings
        connect = [settings.aws_url, settings.realtime_url]  # Cognito, the console WebSocket
        server = start_site(
            settings.host, settings.web_port, settings.api_url, connect, origin_secret
        )
        self.stoppers.append(server.shutdown)

    def _start_mail(self) -> None:
        from chalicelib import config
        from local.mailbox import start_outbox, start_smtp

        host = self.settings.host
        smtp = start_smtp(host, self.settings.smtp_port, config.mail_domain(), REGION)
        self.stoppers.append(smtp.stop)
        outbox = start_outbox(host, self.settings.outbox_port, REGION)
        self.stoppers.append(outbox.shutdown)

    def _start_workers(self, env: dict[str, str]) -> None:
        from chalicelib import resources
        from chalicelib.workers.alerts import handle_alert_detection
        from chalicelib.workers.analysis import handle_analysis
        from chalicelib.workers.delivery import handle_delivery
        from chalicelib.workers.digest import handle_digest
        from chalicelib.workers.exports import handle_export
        from chalicelib.workers.inbound import handle_inbound
        from chalicelib.workers.retention import handle_retention_sweep
        from chalicelib.workers.topics import handle_topics_rebuild
        from local.worker import QueuePoller, Schedule

        # Lambda runs many consumers of a queue at once; two for the analysis here, so that
        # one embeds texts (the e5 engine, outside the interpreter lock) while the other
        # reads and writes its batch.
        for name, queue, handler, consumers in (
            ("analysis", resources.ANALYSIS_QUEUE, handle_analysis, 2),
            ("inbound", resources.INBOUND_QUEUE, handle_inbound, 1),
            ("exports", resources.EXPORTS_QUEUE, handle_export, 1),
            ("delivery", resources.DELIVERY_QUEUE, handle_delivery, 1),
        ):
            for _ in range(consumers):
                poller = QueuePoller(
                    name,
                    env[queue.env_var],
                    handler,
                    REGION,
                    queue.consumer_timeout_seconds,
                    foreground=self.foreground,
                )
                poller.start()
                self.stoppers.append(poller.stop)
        pause = self.foreground
        alerts = Schedule(
            "detect_alerts",
            handle_alert_detection,
            REGION,
            self.settings.alerts_every_seconds,
            foreground=pause,
        )
        alerts.start()
        self.stoppers.append(alerts.stop)
        # Daily in AWS; hourly locally, so a subscribed demo account sees one in a session.
        digests = Schedule("daily_digest", handle_digest, REGION, 3600, foreground=pause)
        digests.start()
        self.stoppers.append(digests.stop)
        # Nightly in AWS; hourly locally (the demo data is fresh: nothing expires at first).
        sweep = Schedule("retention_sweep", handle_retention_sweep, REGION, 3600, foreground=pause)
        sweep.start()
        self.stoppers.append(sweep.stop)
        # Every 15 minutes in AWS; every minute locally, so the demo communes get their
        # topics as soon as the seeded opinions are analysed (the first build needs 20).
        topics = Schedule(
            "rebuild_topics",
            handle_topics_rebuild,
            REGION,
            self.settings.alerts_every_seconds,
            timeout=900,
            foreground=pause,
        )
        topics.start()
        self.stoppers.append(topics.stop)

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception as error:  # keep stopping the rest
                print(f"while stopping: {error!r}", file=sys.stderr)
        self.stoppers.clear()


def _upload_training_data() -> None:
    """Puts the shared training data where the scheduled retraining job reads it in AWS."""
    import boto3

    from chalicelib import config, resources
    from chalicelib.analysis.train import DEFAULT_DATA_DIR
    from chalicelib.workers.retraining import TRAINING_FILES, TRAINING_PREFIX

    s3 = boto3.client("s3", region_name=REGION)
    for name in TRAINING_FILES:
        if (DEFAULT_DATA_DIR / name).exists():
            s3.upload_file(
                str(DEFAULT_DATA_DIR / name),
                config.bucket_name(resources.MODELS_BUCKET),
                TRAINING_PREFIX + name,
            )


def _origin_secret() -> str | None:
    """With CONCERTO_ORIGIN_SECRET_ID set, the API runs as behind CloudFront in AWS: it
    answers only requests carrying that secret (drawn now, in moto's Secrets Manager),
    which the site's /api proxy adds as CloudFront does; the API's own port refuses the
    rest (403 forbidden_origin). Unset (the default), neither."""
    from chalicelib import config
    from local.provision import create_origin_secret

    secret_id = config.origin_secret_id()
    return create_origin_secret(REGION, secret_id) if secret_id else None


def _check_ports_free(settings: Settings) -> None:
    for name, port in (
        ("CONCERTO_AWS_PORT", settings.aws_port),
        ("CONCERTO_API_PORT", settings.api_port),
        ("CONCERTO_REALTIME_PORT", settings.realtime_port),
        ("CONCERTO_SMTP_PORT", settings.smtp_port),
        ("CONCERTO_WEB_PORT", settings.web_port),
        ("CONCERTO_OUTBOX_PORT", settings.outbox_port),
        ("CONCERTO_GRAPH_PORT", settings.graph_port),
    ):
        with socket.socket() as probe:
            # As the servers do: connections of a run just stopped (TIME_WAIT) do not
            # keep a restart from binding; a server still listening does.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((settings.host, port))
                probe.listen()
            except OSError as error:
                raise SystemExit(
                    f"port {port} ({name}) is in use: stop what uses it or set {name}"
                ) from error


def _aws_environment(settings: Settings) -> None:
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": settings.aws_url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "POWERTOOLS_SERVICE_NAME": "concerto",
            "POWERTOOLS_METRICS_NAMESPACE": "Concerto",
            # moto's Comprehend answers canned values: the local model analyses everything.
            "CONCERTO_COMPREHEND": "off",
            # moto has no Bedrock runtime: summaries are extractive.
            "CONCERTO_BEDROCK": "off",
            # The e5 embedder's engine otherwise spreads each batch over every core: one
            # keeps the other for the API and moto (one Python process, one GIL), so that
            # a burst of opinions is accepted first and analysed at one core's pace.
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
            # Chalice's local server already prints a line per request.
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        }
    )


def _app_environment(settings: Settings, pool_id: str) -> dict[str, str]:
    return {
        "CONCERTO_API_URL": settings.api_url,
        # Links in e-mails point at the citizen site.
        "CONCERTO_SITE_URL": f"http://{settings.host}:{settings.web_port}",
        # The local WebSocket gateway speaks API Gateway's protocol, management API included.
        "CONCERTO_REALTIME_URL": settings.realtime_url,
        "CONCERTO_REALTIME_MANAGEMENT_URL": f"http://{settings.host}:{settings.realtime_port}/local",
        # Answers on social networks go to the fake Graph API, which records them.
        "CONCERTO_GRAPH_URL": f"http://{settings.host}:{settings.graph_port}",
        # Only the console's pages (the static site) may open the WebSocket.
        "CONCERTO_CONSOLE_ORIGINS": f"http://{settings.host}:{settings.web_port}",
        "CONCERTO_COGNITO_ENDPOINT": settings.aws_url,
        "CONCERTO_COGNITO_REGION": REGION,
        # moto serves the pool's keys here, while its tokens name the real AWS issuer.
        "CONCERTO_JWKS_URL": f"{settings.aws_url}/{pool_id}/.well-known/jwks.json",
    }


def _wait_healthy(api_url: str, origin_secret: str | None, timeout: float = 30.0) -> None:
    from chalicelib.api import edge

    # Asked as CloudFront (or the site's proxy) asks, when the API wants its secret.
    headers = {edge.ORIGIN_SECRET_HEADER: origin_secret} if origin_secret else {}
    health = urllib.request.Request(f"{api_url}/health", headers=headers)  # noqa: S310
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(health, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API at {api_url} did not become healthy")
        time.sleep(0.2)


def banner(settings: Settings, info: dict[str, str]) -> str:
    from chalicelib import config
    from local.mfa import DEMO_SECRET
    from local.seed import (
        DEFAULT_META_SECRET,
        DEFAULT_META_VERIFY_TOKEN,
        ROLES,
        demo_communes,
        staff_email,
    )

    domain = config.mail_domain()
    meta_secret = os.environ.get("CONCERTO_DEMO_META_SECRET") or DEFAULT_META_SECRET
    meta_token = os.environ.get("CONCERTO_DEMO_META_VERIFY_TOKEN") or DEFAULT_META_VERIFY_TOKEN
    lines = [
        "",
        "Concerto is running (Ctrl-C stops everything)",
        f"  API            {settings.api_url}   (OpenAPI: {settings.api_url}/openapi.json)"
        + (
            "\n                 (origin secret on: call it through the site's /api)"
            if config.origin_secret_id()
            else ""
        ),
        f"  Site           http://{settings.host}:{settings.web_port}   "
        "(embeddable form: /embed/formulaire.js)",
        f"  Real time      {settings.realtime_url}   (console WebSocket, ?token=<ID token>)",
        f"  AWS (moto)     {settings.aws_url}",
        f"  SMTP (inbound) {settings.host}:{settings.smtp_port}   (mail to <commune>@{domain})",
        f"  Outbox         http://{settings.host}:{settings.outbox_port}   (e-mails sent)",
        f"  Graph (fake)   http://{settings.host}:{settings.graph_port}/_sent   "
        "(answers sent on social networks)",
        f"  Meta webhooks  {settings.api_url}/channels/meta/<commune>   app secret "
        f"{meta_secret}, verify token {meta_token}",
        f"  Cognito pool   {os.environ['CONCERTO_USER_POOL_ID']}  "
        f"client {os.environ['CONCERTO_USER_POOL_CLIENT_ID']}",
        f"  Demo opinions  {info['seeded']} queued for analysis (Biot)",
        "",
        f"Demo staff accounts (password: {settings.demo_password}; the admins also give a "
        f"TOTP code: secret {DEMO_SECRET.upper()} in an authenticator app, or `make totp`):",
    ]
    for commune in demo_communes():
        accounts = ", ".join(staff_email(role, commune.slug) for role in ROLES)
        lines.append(
            f"  {commune.name:<9} {commune.commune_id}  /communes/{commune.slug}  "
            f"{commune.slug}@{domain}  {accounts}"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # moto's server logs every AWS call; the API's own request log is enough.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    settings = Settings.from_env()
    runtime = Runtime(settings)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        info = runtime.start()
        print(banner(settings, info), flush=True)
        stopping.wait()
    finally:
        print("Stopping Concerto…", flush=True)
        runtime.stop()
        print("Stopped.", flush=True)
        # Everything is stopped and flushed: skip freeing moto's in-memory AWS object by
        # object, which takes tens of seconds after a busy session.
        logging.shutdown()
        os._exit(0)
