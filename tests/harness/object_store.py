"""A real S3 server on 127.0.0.1 for tests: moto's server mode, in its own process.

Used where DeployFlowOperator hosts Flow JSON (``s3://``), the way Alibaba OSS's S3-compatible API or
Amazon S3 would serve it: real HTTP, real botocore signing and presigned URLs.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

ACCESS_KEY = "s3-test-key"
SECRET_KEY = "s3-test-secret"
REGION = "us-east-1"


class LocalS3:
    """``with LocalS3() as s3:`` starts moto's S3 server on a free loopback port and stops it after."""

    def __init__(self) -> None:
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalS3:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=2)
                return self
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def create_bucket(self, name: str, versioned: bool = True) -> None:
        """A bucket; versioned so that tests can count every upload of a key."""
        client = self.client()
        client.create_bucket(Bucket=name)
        if versioned:
            client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})

    def uploads(self, bucket: str) -> int:
        """How many object versions the bucket holds: one per upload."""
        return len(self.client().list_object_versions(Bucket=bucket).get("Versions", []))

    def connection_json(self) -> str:
        """An Airflow ``aws`` connection (for ``AIRFLOW_CONN_<ID>``) pointing at this server."""
        return json.dumps(
            {
                "conn_type": "aws",
                "login": ACCESS_KEY,
                "password": SECRET_KEY,
                "extra": {"endpoint_url": self.endpoint_url, "region_name": REGION},
            }
        )
