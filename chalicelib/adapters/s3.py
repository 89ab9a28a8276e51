"""S3 adapters: commune-specific sentiment models, export files, raw e-mails, attachments."""

from __future__ import annotations

import json

from chalicelib import config, resources
from chalicelib.adapters.aws import client
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.ids import CommuneId
from chalicelib.ports import BlobStore, FileStore, ModelStore


class S3ModelStore(ModelStore):
    """`models/<commune>/sentiment-<version>.npz`, and `current.json` naming the one in use:
    every version stays, so a result's recorded version can always be traced back."""

    def get(self, commune_id: CommuneId) -> tuple[str, bytes] | None:
        s3 = client("s3")
        bucket = config.bucket_name(resources.MODELS_BUCKET)
        try:
            pointer = s3.get_object(Bucket=bucket, Key=f"models/{commune_id}/current.json")
        except s3.exceptions.NoSuchKey:
            return None
        version = str(json.loads(pointer["Body"].read())["version"])
        blob = s3.get_object(Bucket=bucket, Key=_key(commune_id, version))["Body"].read()
        return version, bytes(blob)

    def put(self, commune_id: CommuneId, version: str, blob: bytes) -> None:
        s3 = client("s3")
        bucket = config.bucket_name(resources.MODELS_BUCKET)
        s3.put_object(Bucket=bucket, Key=_key(commune_id, version), Body=blob)
        s3.put_object(
            Bucket=bucket,
            Key=f"models/{commune_id}/current.json",
            Body=json.dumps({"version": version}).encode(),
            ContentType="application/json",
        )


def _key(commune_id: CommuneId, version: str) -> str:
    return f"models/{commune_id}/sentiment-{version}.npz"


class S3FileStore(FileStore):
    """Export files in the exports bucket. Links are presigned GETs: S3 refuses them once
    expired, and the bucket's lifecycle rule deletes the files after the jobs' retention."""

    def put(self, key: str, path: str, content_type: str) -> None:
        client("s3").upload_file(
            path,
            config.bucket_name(resources.EXPORTS_BUCKET),
            key,
            ExtraArgs={"ContentType": content_type},
        )

    def download_url(self, key: str, file_name: str, seconds: int) -> str:
        return presigned_download(resources.EXPORTS_BUCKET, key, file_name, seconds)

    def delete(self, key: str) -> None:
        client("s3").delete_object(Bucket=config.bucket_name(resources.EXPORTS_BUCKET), Key=key)


class S3BlobStore(BlobStore):
    """Files of one bucket: raw e-mails as received, citizens' attachments."""

    def __init__(self, bucket: resources.Bucket) -> None:
        self._bucket = bucket

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        client("s3").put_object(
            Bucket=config.bucket_name(self._bucket), Key=key, Body=data, ContentType=content_type
        )

    def get_bytes(self, key: str) -> bytes:
        s3 = client("s3")
        try:
            response = s3.get_object(Bucket=config.bucket_name(self._bucket), Key=key)
        except s3.exceptions.NoSuchKey as error:
            raise NotFoundError("unknown file", code="file_not_found") from error
        return bytes(response["Body"].read())

    def download_url(self, key: str, file_name: str, seconds: int) -> str:
        return presigned_download(self._bucket, key, file_name, seconds)

    def delete(self, key: str) -> None:
        client("s3").delete_object(Bucket=config.bucket_name(self._bucket), Key=key)


def presigned_download(bucket: resources.Bucket, key: str, file_name: str, seconds: int) -> str:
    """A GET link S3 honours until it expires, saving the file under `file_name`."""
    return str(
        client("s3").generate_presigned_url(
            "get_object",
            Params={
                "Bucket": config.bucket_name(bucket),
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{file_name}"',
            },
            ExpiresIn=seconds,
        )
    )
