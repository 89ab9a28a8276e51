"""Reports of the same problem: answer a thread and its open similar reports at once (the
thread view lists them; merging one reuses the merge route)."""

from __future__ import annotations

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import bootstrap
from chalicelib.api import schemas, views
from chalicelib.api.http import Operation, operation, parse_body, staff
from chalicelib.domain.threads import Visibility
from chalicelib.services import similar_reports

similar_api = Blueprint(__name__)


@operation(
    similar_api,
    Operation(
        "answerSimilar",
        "POST",
        "/console/threads/{thread_id}/similar/replies",
        "Answer this thread and its open similar reports: each citizen gets their own answer",
        "console",
        schemas.BulkResults,
        body=schemas.ReplyBody,
        staff=True,
        errors=(403, 404, 422),
    ),
)
def answer_similar(thread_id: str) -> schemas.BulkResults:
    identity = staff()
    body = parse_body(schemas.ReplyBody)
    wanted = similar_reports.AnswerAll(body.text, body.template_id, Visibility(body.visibility))
    outcomes = similar_reports.answer_all(bootstrap.ports(), identity, thread_id, wanted)
    return views.bulk_results(outcomes)
