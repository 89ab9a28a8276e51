"""The analysis worker, called as Lambda calls it, with SQS events from moto's queues."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from chalicelib import config, resources
from chalicelib.domain.threads import AnalysisStatus, Sentiment
from chalicelib.services import analysis, feedback
from chalicelib.services.feedback import SubmitFeedback
from chalicelib.workers.analysis import handle_analysis
from local.worker import LambdaContext, QueuePoller, sqs_event
from tests.fakes import BIOT, FailingAnalyzer

pytestmark = pytest.mark.integration

QUEUE = resources.ANALYSIS_QUEUE


def receive_event(max_messages: int = 10) -> dict[str, Any]:
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=config.queue_url(QUEUE),
        MaxNumberOfMessages=max_messages,
        MessageSystemAttributeNames=["All"],
    ).get("Messages", [])
    return sqs_event(messages, "arn:aws:sqs:eu-west-1:123456789012:analysis", "eu-west-1")


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    return handle_analysis(event, LambdaContext("analysis", 60))


def submit(ports, text: str, theme: str = "proprete") -> str:
    return feedback.submit_feedback(ports, "biot", SubmitFeedback(theme=theme, text=text)).thread_id


def day_counts(ports, thread_id: str) -> dict[str, int]:
    day = analysis.local_day(ports.threads.get(BIOT, thread_id).created_at)
    return ports.indicators.counts(BIOT, [day])[day]


def test_a_batch_is_analysed_and_counted(ports):
    negative = submit(ports, "C'est inadmissible, personne ne fait rien")
    positive = submit(ports, "Merci pour ce magnifique parc", theme="voirie-stationnement")
    event = receive_event()
    assert len({record["messageId"] for record in event["Records"]}) == 2

    assert invoke(event) == {"batchItemFailures": []}

    first = ports.threads.get(BIOT, negative)
    assert first.analysis.status is AnalysisStatus.DONE
    assert first.analysis.result.sentiment is Sentiment.NEGATIVE
    assert ports.threads.get(BIOT, positive).analysis.result.sentiment is Sentiment.POSITIVE
    counts = day_counts(ports, negative)
    assert counts["n|t=proprete|q=-|c=web|s=NEGATIVE"] == 1
    assert counts["n|t=voirie-stationnement|q=-|c=web|s=POSITIVE"] == 1


def test_a_redelivered_batch_never_counts_twice(ports):
    thread_id = submit(ports, "Les poubelles débordent encore ce matin.")
    event = receive_event()
    invoke(event)
    before = day_counts(ports, thread_id)

    invoke(event)  # SQS redelivers the same records (same messageIds)
    duplicate = json.loads(json.dumps(event))
    for record in duplicate["Records"]:
        record["messageId"] = str(uuid.uuid4())  # the same job sent twice by the API
    assert invoke(duplicate) == {"batchItemFailures": []}

    assert day_counts(ports, thread_id) == before
    verbatims = {k: v for k, v in before.items() if k.startswith("n|")}
    assert sum(verbatims.values()) == 1


def test_only_failed_records_are_reported_and_a_poison_body_never_blocks_the_batch(ports):
    good = submit(ports, "Bravo pour les illuminations de Noël !")
    event = receive_event()
    poison = dict(event["Records"][0], messageId=str(uuid.uuid4()), body="not a job")
    event["Records"].append(poison)

    result = invoke(event)

    assert result == {"batchItemFailures": [{"itemIdentifier": poison["messageId"]}]}
    assert ports.threads.get(BIOT, good).analysis.status is AnalysisStatus.DONE


def test_an_analyzer_outage_fails_the_records_and_the_last_attempt_marks_the_thread(ports):
    ports.analyzer = FailingAnalyzer()
    thread_id = submit(ports, "Les bus sont toujours en retard.")
    event = receive_event()
    message_id = event["Records"][0]["messageId"]

    assert invoke(event) == {"batchItemFailures": [{"itemIdentifier": message_id}]}
    assert ports.threads.get(BIOT, thread_id).analysis.status is AnalysisStatus.PENDING

    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(QUEUE.max_receive_count)
    invoke(event)
    thread = ports.threads.get(BIOT, thread_id)
    assert thread.analysis.status is AnalysisStatus.FAILED
    assert "AnalysisError" in thread.analysis.error


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue(ports, monkeypatch):
    ports.analyzer = FailingAnalyzer()
    thread_id = submit(ports, "Le parking est plein tous les samedis.")
    sqs = boto3.client("sqs")
    queue_url = config.queue_url(QUEUE)
    # Visible again at once, so each poll is a new attempt (SQS counts the receives).
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "0"})
    poller = QueuePoller("analysis", queue_url, handle_analysis, "eu-west-1")

    for _ in range(QUEUE.max_receive_count + 1):
        poller.poll_once(wait_seconds=0)

    dlq_url = sqs.get_queue_url(QueueName=queue_url.rsplit("/", 1)[1] + "-dlq")["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dlq_url).get("Messages", [])
    assert [json.loads(m["Body"])["threadId"] for m in dead] == [thread_id]
    assert ports.threads.get(BIOT, thread_id).analysis.status is AnalysisStatus.FAILED


def test_each_analysed_message_is_kept_once_as_a_verbatim_for_topics(ports):
    from chalicelib.analysis.embeddings import topic_embedder
    from chalicelib.analysis.topic_codec import decode_embedding

    thread_id = submit(ports, "Le lampadaire de la rue Pasteur est éteint depuis lundi.")
    event = receive_event()
    invoke(event)
    duplicate = json.loads(json.dumps(event))
    for record in duplicate["Records"]:
        record["messageId"] = str(uuid.uuid4())  # the same job, replayed from the DLQ
    assert invoke(duplicate) == {"batchItemFailures": []}

    [verbatim] = ports.topics.of_thread(BIOT, thread_id)
    thread = ports.threads.get(BIOT, thread_id)
    assert (verbatim.message_id, verbatim.theme) == (thread_id, thread.theme)
    assert verbatim.sentiment is thread.analysis.result.sentiment
    assert verbatim.quote == "Le lampadaire de la rue Pasteur est éteint depuis lundi."
    assert "rue pasteur" in verbatim.places
    assert verbatim.embedder == topic_embedder().name
    assert decode_embedding(verbatim.vector).shape == (topic_embedder().dimension,)
    assert verbatim.topic is None  # the commune has no topics yet


def test_two_reports_of_one_streetlight_are_grouped_by_the_worker_and_another_street_is_not(
    ports,
):
    first = submit(ports, "Le lampadaire de la rue Pasteur est en panne depuis lundi soir.")
    second = submit(ports, "Lampadaire en panne rue Pasteur, la rue est dans le noir le soir.")
    elsewhere = submit(ports, "Le lampadaire de la rue Victor Hugo est en panne depuis lundi.")
    assert invoke(receive_event()) == {"batchItemFailures": []}

    [grouped] = ports.topics.of_thread(BIOT, second)
    assert grouped.problem == first
    assert sorted(ports.topics.problem_threads(BIOT, first)) == sorted([first, second])
    [apart] = ports.topics.of_thread(BIOT, elsewhere)
    assert apart.problem is None
