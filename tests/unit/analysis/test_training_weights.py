"""Sample weights of the sentiment training: classes balanced within each domain."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib.analysis.sentiment_model import FloatArray, build_matrix, compute_idf, raw_features
from chalicelib.analysis.train import (
    LabelledText,
    _fit,
    _fit_used,
    _targets,
    column_penalties,
    domain_balanced_weights,
    domain_ids,
    report_cv,
)

pytestmark = pytest.mark.unit

# Like the shared data: a balanced 3-class target domain and a larger 2-class auxiliary one.
LABELS = ["NEGATIVE", "NEUTRAL", "POSITIVE"] * 4 + ["NEGATIVE"] * 10 + ["POSITIVE"] * 14
DOMAINS = ["tweets"] * 12 + ["reviews"] * 24


def _weights() -> FloatArray:
    return domain_balanced_weights(_targets(LABELS), domain_ids(DOMAINS, len(LABELS)))


def test_a_neutral_tweet_weighs_what_a_polar_tweet_weighs() -> None:
    # Balanced over the pooled data, the neutral class (tweets only) would weigh 3x more.
    weights = _weights()[:12]
    assert np.allclose(weights, weights[0])


def test_classes_are_balanced_inside_the_auxiliary_domain() -> None:
    weights = _weights()
    reviews = np.array(LABELS[12:])
    totals = {label: weights[12:][reviews == label].sum() for label in ("NEGATIVE", "POSITIVE")}
    assert totals["NEGATIVE"] == pytest.approx(totals["POSITIVE"])


def test_each_domain_keeps_its_share_of_the_data() -> None:
    weights = _weights()
    assert weights[:12].sum() / weights.sum() == pytest.approx(12 / 36)


def test_corrections_in_the_target_domain_pool_with_it() -> None:
    # A commune's corrections are target-domain examples: balanced together with the tweets.
    labels = ["NEUTRAL", "NEUTRAL", "NEGATIVE", "POSITIVE"]
    weights = domain_balanced_weights(_targets(labels), domain_ids(None, len(labels)))
    assert weights[0] + weights[1] == pytest.approx(weights[2])
    assert weights[2] == pytest.approx(weights[3])


def test_cross_validation_report_counts_what_the_neutral_cues_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    examples = [
        LabelledText("Service moyen, ni bon ni mauvais.", "NEGATIVE", "reviews"),
        LabelledText("Série géniale, bravo.", "POSITIVE", "reviews"),
        LabelledText("Le conseil se réunit mardi.", "NEUTRAL", "tweets"),
    ]
    # Out-of-fold logits that call the lukewarm review NEGATIVE with some confidence.
    logits = np.log(np.array([[0.7, 0.1, 0.2], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2]]))
    report_cv(logits, examples)
    printed = capsys.readouterr().out
    assert "neutral cues turn 0 tweets and 1 reviews NEUTRAL (reviews: {'NEGATIVE': 1})" in printed
    # The positive/negative decision on reviews is scored before the cues and unchanged.
    assert "reviews (pos/neg decision)" in printed and "acc=1.000" in printed


def test_fitting_only_the_used_columns_changes_no_weight() -> None:
    texts = ["très bien", "très mal", "le conseil se réunit", "bravo", "nul", "mardi"]
    labels = ["POSITIVE", "NEGATIVE", "NEUTRAL", "POSITIVE", "NEGATIVE", "NEUTRAL"]
    raws = [raw_features(text, 2**10) for text in texts]
    matrix = build_matrix(raws, compute_idf(raws, 2**10))
    args = (_targets(labels), domain_ids(None, 6), column_penalties(2**10, 3e-4), 50)
    weights, bias = _fit(matrix, *args)
    full_weights, full_bias = _fit_used(matrix, *args)
    unused = np.bincount(matrix.indices, minlength=matrix.n_columns) == 0
    assert unused.sum() > 2**9 and not weights[unused].any()
    assert np.allclose(weights, full_weights, atol=1e-8) and np.allclose(bias, full_bias)
