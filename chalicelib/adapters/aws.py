"""boto3 clients built on first use and cached: no I/O at import, one client per process."""

from __future__ import annotations

import functools
from typing import Any

from chalicelib import config


@functools.cache
def client(service: str) -> Any:
    import boto3  # deferred: 250 ms of import that the API's cold start should not always pay
    from botocore.config import Config

    connect_timeout, read_timeout = config.aws_timeouts()
    factory: Any = boto3.client  # the stubs type each service's client; callers get Any
    return factory(
        service,
        region_name=config.region(),
        config=Config(
            retries={"mode": "standard", "max_attempts": 4},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # Presigned S3 links in SigV4: they carry their expiry (X-Amz-Expires), which
            # S3 enforces; SigV2 links are deprecated.
            signature_version="s3v4" if service == "s3" else None,
        ),
    )
