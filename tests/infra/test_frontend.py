"""The CloudFront Function generated from frontend/routes.json, run in node (CloudFront's
JavaScript, with a stand-in for its `cloudfront` module): it must route as local/site.py."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import frontend
from local import site as local_site

pytestmark = [pytest.mark.integration]

NODE = shutil.which("node")
PATHS = [
    "/",
    "/console",
    "/console/",
    "/suivi",
    "/verification",
    "/accessibilite",
    "/confidentialite",
    "/desabonnement",
    "/biot",
    "/biot/",
    "/le-rouret",
    "/biot/avis",
    "/biot/merci",
    "/biot/barometre",
    "/biot/consultations/01arz3ndektsv4rrffq69g5fav",
    "/site/commune.html",
    "/assets/site.css",
    "/embed/formulaire.js",
    "/console/views/inbox.js",
    "/vendor/chartjs/chart.umd.min.js",
    "/biot/inconnu/page",
]
HARNESS = """
import fs from 'fs';
const source = fs.readFileSync(process.argv[2], 'utf8').replace(
  "import cf from 'cloudfront';",
  "var selected = null; var cf = {selectRequestOriginById: function (id) { selected = id; }};"
);
const module = source + "\\nexport function run(e) { selected = null; " +
  "var r = handler(e); return {result: r, origin: selected}; }";
fs.writeFileSync(process.argv[3], module);
const loaded = await import(process.argv[3]);
const requests = JSON.parse(fs.readFileSync(0, 'utf8'));
console.log(JSON.stringify(requests.map((r) => loaded.run({request: r}))));
"""


def run_function(tmp_path: Path, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert NODE, "node is needed (CDK needs it too)"
    code = tmp_path / "function.js"
    code.write_text(frontend.function_code(), encoding="utf-8")
    harness = tmp_path / "harness.mjs"
    harness.write_text(HARNESS, encoding="utf-8")
    done = subprocess.run(
        [NODE, str(harness), str(code), str(tmp_path / "module.mjs")],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def local_file(path: str) -> str | None:
    for pattern, file in local_site.routes():
        if pattern.match(path):
            return file
    return None


def test_pretty_urls_resolve_as_the_local_server_does(tmp_path: Path) -> None:
    requests = [{"method": "GET", "uri": path, "headers": {}} for path in PATHS]
    results = run_function(tmp_path, requests)
    for path, outcome in zip(PATHS, results, strict=True):
        expected = local_file(path)
        assert outcome["origin"] is None
        assert outcome["result"]["uri"] == (f"/{expected}" if expected else path), path


def test_api_prefix_is_stripped_and_the_form_post_goes_to_the_api(tmp_path: Path) -> None:
    results = run_function(
        tmp_path,
        [
            {"method": "GET", "uri": "/api/communes/biot", "headers": {}},
            {"method": "POST", "uri": "/api/communes/biot/feedback", "headers": {}},
            {"method": "POST", "uri": "/biot/avis", "headers": {}},
            {"method": "DELETE", "uri": "/biot/avis", "headers": {}},
            {"method": "POST", "uri": "/biot/autre", "headers": {}},
        ],
    )
    assert results[0] == {
        "result": {"method": "GET", "uri": "/communes/biot", "headers": {}},
        "origin": None,
    }
    assert results[1]["result"]["uri"] == "/communes/biot/feedback"
    assert results[2] == {
        "result": {"method": "POST", "uri": "/communes/biot/feedback", "headers": {}},
        "origin": frontend.API_ORIGIN_ID,
    }
    assert results[3]["result"]["statusCode"] == 405
    assert results[4]["result"]["statusCode"] == 405


def test_the_function_fits_cloudfront_limits_and_is_generated_from_routes_json() -> None:
    code = frontend.function_code()
    assert len(code.encode()) < frontend.MAX_FUNCTION_BYTES
    assert code.startswith("import cf from 'cloudfront';")
    for pattern, file in frontend.routes():
        assert json.dumps(pattern) in code and json.dumps(file) in code


def test_the_headers_are_the_local_servers() -> None:
    connect = ["https://cognito-idp.eu-west-1.amazonaws.com", "wss://abc.execute-api.x"]
    assert frontend.security_headers(connect) == local_site.security_headers(connect)
