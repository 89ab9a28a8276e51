"""Shared test set-up: no test ever reaches real AWS."""

import os

os.environ.update(
    {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_SERVICE_NAME": "concerto-tests",
        "CONCERTO_COMPREHEND": "off",
        # The end-to-end runtime lives for the whole session and every browser and client
        # there is 127.0.0.1: the default 20 submissions per 10 minutes would fail them.
        # Tests of the limits set their own. Likewise the votes one address may cast.
        "CONCERTO_RATE_LIMIT_PER_IP": "1000/600",
        # The stack's secret keys the digests of addresses (rate limits, verification
        # links); the fakes' sealer uses the same key.
        "CONCERTO_SEAL_KEY": "dGVzdC1rZXktZm9yLWNvbmNlcnRvLXRlc3RzLW9ubHk=",
        "CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS": "1000",
        "CONCERTO_CONSULTATION_ANSWERS_PER_ADDRESS": "1000",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)
