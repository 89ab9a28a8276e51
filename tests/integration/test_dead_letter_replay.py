"""A message that failed every attempt waits in the dead-letter queue; replaying it puts it
back on its queue, and the worker then finishes the job (moto: no start_message_move_task)."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib import config, resources
from chalicelib.adapters.sqs import redrive_dead_letters
from chalicelib.workers.analysis import handle_analysis
from local.worker import LambdaContext, sqs_event
from tests.integration.conftest import REGION, login

pytestmark = pytest.mark.integration


def test_a_replayed_dead_letter_gets_its_thread_analysed(client, aws):
    opinion = {"theme": "proprete", "text": "Les poubelles débordent rue du Portugon."}
    headers = {"content-type": "application/json"}
    thread_id = json.loads(
        client.http.post("/communes/biot/feedback", headers=headers, body=json.dumps(opinion)).body
    )["id"]
    sqs = boto3.client("sqs", region_name=REGION)
    url = config.queue_url(resources.ANALYSIS_QUEUE)
    policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    dlq_name = json.loads(policy["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"]
    dlq_url = sqs.get_queue_url(QueueName=dlq_name.rsplit(":", 1)[1])["QueueUrl"]
    # As after five failed attempts: the job sits in the DLQ, the thread waits.
    [job] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    sqs.send_message(QueueUrl=dlq_url, MessageBody=job["Body"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=job["ReceiptHandle"])

    assert redrive_dead_letters(url, dlq_url) == 1
    assert sqs.receive_message(QueueUrl=dlq_url).get("Messages", []) == []
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    result = handle_analysis(sqs_event(messages, arn["QueueArn"], REGION), LambdaContext("a", 60))
    assert result == {"batchItemFailures": []}
    agent = login(aws, "agent@biot.demo")
    thread = json.loads(
        client.http.get(
            f"/console/threads/{thread_id}", headers={"authorization": f"Bearer {agent}"}
        ).body
    )
    assert thread["analysis"]["status"] == "done"
    assert redrive_dead_letters(url, dlq_url) == 0
