"""Sample weights of the sentiment training: classes balanced within each domain."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib.analysis.sentiment_model import FloatArray
from chalicelib.analysis.train import _targets, domain_balanced_weights, domain_ids

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
