"""The embedded runtime's speed-ups of moto's SQS keep SQS's answers. They patch moto for a
whole process, so each check runs in its own interpreter (the other tests keep moto as is)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def run_patched(body: str) -> None:
    script = textwrap.dedent(
        """
        import os, time
        os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
                          AWS_DEFAULT_REGION="eu-west-1")
        import boto3
        from moto import mock_aws
        from local import moto_sqs
        moto_sqs.install()
        with mock_aws():
            sqs = boto3.client("sqs")
        """
    ) + textwrap.indent(textwrap.dedent(body), " " * 4)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_messages_are_received_once_and_counted_within_a_second() -> None:
    run_patched(
        """
        url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
        for n in range(5):
            sqs.send_message(QueueUrl=url, MessageBody=str(n))
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)["Messages"]
        again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in got + again) == ["0", "1", "2", "3", "4"]
        time.sleep(1.1)  # the counts are kept for a second, like AWS's approximate ones
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        assert counts == {"ApproximateNumberOfMessages": "0",
                          "ApproximateNumberOfMessagesNotVisible": "5"}, counts
        """
    )


def test_a_message_past_the_retention_period_is_not_delivered() -> None:
    run_patched(
        """
        url = sqs.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})[
            "QueueUrl"
        ]
        sqs.send_message(QueueUrl=url, MessageBody="old")
        real = time.time
        time.time = lambda: real() + 61
        assert "Messages" not in sqs.receive_message(QueueUrl=url)
        time.time = real
        sqs.send_message(QueueUrl=url, MessageBody="new")
        assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["new"]
        """
    )
