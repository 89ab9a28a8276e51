"""The scheduled retraining job: each night, every commune of the stack with enough staff
corrections gets a model retrained on the shared data plus those corrections."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate  # type: ignore[attr-defined]

from chalicelib import bootstrap, config, resources
from chalicelib.adapters.aws import client
from chalicelib.domain.ids import CommuneId
from chalicelib.ports import Ports

if TYPE_CHECKING:
    from chalicelib.analysis.retraining import RetrainReport
    from chalicelib.analysis.train import LabelledText

logger = logging.getLogger(__name__)
retraining_worker = Blueprint(__name__)
# Where the platform team uploads the shared training files (docs/operations.md).
TRAINING_PREFIX = "training/sentiment/"
TRAINING_FILES = ("deft2017-tweets-train.csv", "allocine-tvseries-train.tsv")


@retraining_worker.schedule(Rate(1, unit=Rate.DAYS), name="retrain")
def handle_retraining(event: Any) -> dict[str, Any]:
    ports = bootstrap.ports()
    base = training_data_from_s3()
    reports = [retrain_commune(ports, c.commune_id, base) for c in ports.communes.list_all()]
    return {"reports": [report.__dict__ for report in reports]}


def retrain_commune(
    ports: Ports, commune_id: CommuneId, base: Sequence[LabelledText]
) -> RetrainReport:
    from chalicelib.analysis.local import LocalAnalyzer
    from chalicelib.analysis.retraining import retrain

    current = LocalAnalyzer(ports.models).model_for(commune_id)
    report = retrain(
        commune_id, ports.corrections.list(commune_id), base, current, ports.models, ports.clock()
    )
    logger.info("retraining %s: %s", commune_id, report.reason)
    return report


def training_data_from_s3() -> list[LabelledText]:
    from chalicelib.analysis.train import load_examples

    s3 = client("s3")
    bucket = config.bucket_name(resources.MODELS_BUCKET)
    with tempfile.TemporaryDirectory() as folder:
        for name in TRAINING_FILES:
            s3.download_file(bucket, TRAINING_PREFIX + name, str(Path(folder) / name))
        return load_examples(Path(folder))
