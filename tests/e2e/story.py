"""A small client that lets end-to-end tests read like the story they tell."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3

from local import mfa


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


def call(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> Reply:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(
                response.status, json.loads(response.read() or b"null"), dict(response.headers)
            )
    except urllib.error.HTTPError as error:
        return Reply(error.code, json.loads(error.read() or b"null"), dict(error.headers))


class Citizen:
    def __init__(self, api_url: str, slug: str) -> None:
        self.api_url, self.slug = api_url, slug
        self.token = ""

    def submits(self, **opinion: Any) -> Reply:
        reply = call(self.api_url, "POST", f"/communes/{self.slug}/feedback", opinion)
        if reply.status == 202:
            self.token = reply.body["followUpToken"]
        return reply

    def reads_follow_up(self) -> Any:
        reply = call(self.api_url, "GET", "/followup", headers=self.link)
        assert reply.status == 200, reply
        return reply.body

    def writes_again(self, text: str) -> Reply:
        return call(self.api_url, "POST", "/followup", {"text": text}, headers=self.link)

    @property
    def link(self) -> dict[str, str]:
        """The private link's token, in the header the site sends it in (logs keep paths)."""
        return {"X-Followup-Token": self.token}


class Staff:
    """A staff member logged in through the embedded Cognito, as the console does."""

    def __init__(
        self, api_url: str, email: str, password: str, new_password: str | None = None
    ) -> None:
        self.api_url = api_url
        config = call(api_url, "GET", "/config").body["cognito"]
        cognito = boto3.client(
            "cognito-idp",
            endpoint_url=config["endpoint"],
            region_name=config["region"],
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        tokens = mfa.sign_in(
            cognito, config["clientId"], email, password, new_password=new_password
        )
        self.token = tokens["IdToken"]

    def inbox(self, query: str = "") -> Reply:
        return call(self.api_url, "GET", f"/console/threads{query}", token=self.token)

    def opens(self, thread_id: str) -> Reply:
        return call(self.api_url, "GET", f"/console/threads/{thread_id}", token=self.token)

    def waits_for_analysis(self, thread_id: str, timeout: float = 120) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            thread = self.opens(thread_id).body
            if thread["analysis"]["status"] != "pending" or time.monotonic() > deadline:
                return thread
            time.sleep(0.3)

    def replies(self, thread_id: str, text: str, visibility: str = "private") -> Reply:
        return call(
            self.api_url,
            "POST",
            f"/console/threads/{thread_id}/replies",
            {"text": text, "visibility": visibility},
            token=self.token,
        )

    def updates(self, thread_id: str, **changes: Any) -> Reply:
        return call(
            self.api_url, "PATCH", f"/console/threads/{thread_id}", changes, token=self.token
        )

    def asks(self, method: str, path: str, body: Any = None) -> Reply:
        return call(self.api_url, method, path, body, token=self.token)

    def waits_for_export(self, export_id: str, timeout: float = 120) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            export = self.asks("GET", f"/console/exports/{export_id}").body
            if export["status"] in ("done", "failed") or time.monotonic() > deadline:
                return export
            time.sleep(0.3)


def download(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), dict(response.headers)
