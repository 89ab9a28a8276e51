"""The nightly retraining job, as Lambda runs it, on moto's S3 and DynamoDB."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import boto3
import pytest

from chalicelib import config, resources
from chalicelib.domain.corrections import Correction
from chalicelib.domain.threads import Sentiment
from chalicelib.workers.retraining import TRAINING_PREFIX, handle_retraining
from local.worker import LambdaContext
from tests.fakes import BIOT, VALBONNE

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROWS = [
    ("POSITIVE", "Bravo pour ce beau travail, merci"),
    ("POSITIVE", "Super initiative, réussi"),
    ("NEGATIVE", "C'est une honte, rien ne marche"),
    ("NEGATIVE", "Scandaleux, aucune réponse"),
    ("NEUTRAL", "Quels sont les horaires de la mairie ?"),
    ("NEUTRAL", "Réunion jeudi à 18h"),
]


def upload_training_data() -> None:
    s3 = boto3.client("s3", region_name="eu-west-1")
    bucket = config.bucket_name(resources.MODELS_BUCKET)
    for name, delimiter in (
        ("deft2017-tweets-train.csv", ","),
        ("allocine-tvseries-train.tsv", "\t"),
    ):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        writer.writerow(["id", "orig_split", "label", "label_id", "text"])
        for n, (label, text) in enumerate(ROWS):
            if delimiter == "\t" and label == "NEUTRAL":
                continue  # the reviews have no neutral class
            writer.writerow([f"x{n}", "train", label, 0, text])
        s3.put_object(Bucket=bucket, Key=TRAINING_PREFIX + name, Body=buffer.getvalue().encode())


def test_the_nightly_job_retrains_communes_with_enough_corrections(ports):
    upload_training_data()
    now = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    for n in range(16):
        ports.corrections.save(
            Correction(
                BIOT,
                f"t{n}",
                f"La fête numéro {n}, ça dépote",
                Sentiment.POSITIVE,
                None,
                "agent@biot.demo",
                now,
            )
        )

    event = {
        "version": "0",
        "id": "e1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-29T03:00:00Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/retrain"],
        "detail": {},
    }
    result = handle_retraining(event, LambdaContext("retrain", 900))

    reports = {report["commune_id"]: report for report in result["reports"]}
    assert reports[VALBONNE]["kept"] is False  # no corrections at all
    assert reports[BIOT]["corrections"] == 16
    assert reports[BIOT]["kept"] is True, reports[BIOT]
    assert ports.models.get(BIOT)[0] == reports[BIOT]["new_version"]
    assert ports.models.get(VALBONNE) is None
