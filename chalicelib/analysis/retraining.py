"""Retrain a commune's sentiment model on the shared data plus its staff's corrections, and
keep it only if it does no worse than the model in use on corrections it never saw."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from chalicelib.analysis.embeddings import load_embedder
from chalicelib.analysis.sentiment_model import SentimentModel
from chalicelib.analysis.train import TARGET_DOMAIN, LabelledText, train
from chalicelib.domain.corrections import Correction
from chalicelib.domain.ids import CommuneId
from chalicelib.ports import ModelStore

# Below this many sentiment corrections the held-back slice is too small to judge a model.
MIN_CORRECTIONS = 10
HELD_BACK_SHARE = 0.25
# A commune's own examples count more than the generic training data.
CORRECTION_WEIGHT = 3

Trainer = Callable[..., SentimentModel]


@dataclass(frozen=True)
class RetrainReport:
    commune_id: CommuneId
    corrections: int
    held_back: int
    current_version: str
    current_score: float | None
    new_version: str | None
    new_score: float | None
    kept: bool
    reason: str


def retrain(
    commune_id: CommuneId,
    corrections: Sequence[Correction],
    base: Sequence[LabelledText],
    current: SentimentModel,
    store: ModelStore,
    now: datetime,
    trainer: Trainer = train,
) -> RetrainReport:
    """Trains on `base` + the corrections outside the held-back slice, scores both models
    (macro-F1) on the held-back corrections, and stores the new one only if it scores at
    least as well. The held-back slice is chosen by a hash of each text, so it is stable
    from one run to the next."""
    labelled = [(c.text, c.sentiment.value) for c in corrections if c.sentiment is not None]
    held = [example for example in labelled if _held_back(example[0])]
    used = [example for example in labelled if not _held_back(example[0])]
    unjudged = RetrainReport(
        commune_id=commune_id,
        corrections=len(labelled),
        held_back=len(held),
        current_version=current.version,
        current_score=None,
        new_version=None,
        new_score=None,
        kept=False,
        reason=f"needs at least {MIN_CORRECTIONS} corrections",
    )
    if len(labelled) < MIN_CORRECTIONS or not held or not used:
        return unjudged
    examples = [(b.text, b.label) for b in base] + used * CORRECTION_WEIGHT
    domains = [b.source for b in base] + [TARGET_DOMAIN] * (len(used) * CORRECTION_WEIGHT)
    version = f"{commune_id}-{now.strftime('%Y%m%dT%H%M%S')}"
    # Same heads and calibration as the model in use, so the comparison is like for like.
    embedder = load_embedder() if current.embedding_head is not None else None
    candidate = trainer(
        examples,
        domains=domains,
        version=version,
        temperature=current.temperature,
        embedder=embedder,
        embedding_temperature=(
            current.embedding_head.temperature if current.embedding_head is not None else 1.0
        ),
    )
    current_score, new_score = macro_f1(current, held), macro_f1(candidate, held)
    kept = new_score >= current_score
    if kept:
        store.put(commune_id, version, to_bytes(candidate))
    reason = "kept: no worse on held-back corrections" if kept else "discarded: scored worse"
    return replace(
        unjudged,
        current_score=current_score,
        new_version=version,
        new_score=new_score,
        kept=kept,
        reason=reason,
    )


def macro_f1(model: SentimentModel, examples: Sequence[tuple[str, str]]) -> float:
    """Macro-F1 over the labels present in `examples`."""
    truth = [label for _, label in examples]
    predicted = [p.label for p in model.predict([text for text, _ in examples])]
    scores = []
    for label in sorted(set(truth)):
        pairs = list(zip(truth, predicted, strict=True))
        hits = sum(1 for t, p in pairs if t == p == label)
        false = sum(1 for t, p in pairs if p == label and t != label)
        missed = sum(1 for t, p in pairs if t == label and p != label)
        scores.append(2 * hits / (2 * hits + false + missed) if hits else 0.0)
    return sum(scores) / len(scores)


def to_bytes(model: SentimentModel) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        model.save(path)
        return path.read_bytes()


def _held_back(text: str) -> bool:
    digest = hashlib.sha256(text.encode()).digest()
    return digest[0] < 256 * HELD_BACK_SHARE
