"""JsonStore against a real S3 server (moto): checked before use, content verified, URLs kept secret."""

from __future__ import annotations

import hashlib
import urllib.request

import pytest

from airflow_provider_cams.deploy.json_store import JsonStore, content_key, parse_store_url
from airflow_provider_cams.exceptions import CamsConfigError
from tests.harness.object_store import LocalS3

CONTENT = b'{"version": "7.3", "screens": []}'
SHA = hashlib.sha256(CONTENT).hexdigest()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("oss://bucket/flows/", "only s3:// can"),
        ("gs://bucket/flows/", "only s3:// can"),
        ("gopher://bucket/flows/", "only s3:// can"),
        ("s3:///flows/", "names no bucket"),
        ("my-bucket/flows/", "object-storage URL"),
        ("s3://Bad_Bucket/flows/", "is not a bucket name"),
        ("s3://key:secret@bucket/flows/", "carries credentials"),
    ],
)
def test_unusable_store_urls_are_refused_without_io(url: str, says: str) -> None:
    with pytest.raises(CamsConfigError, match=says) as caught:
        JsonStore(url, "flow_store")
    assert "secret" not in str(caught.value)


def test_store_url_is_normalised() -> None:
    assert parse_store_url("s3://bucket/a/b") == ("s3://bucket/a/b/", "bucket", "a/b/")
    assert parse_store_url("s3://bucket") == ("s3://bucket/", "bucket", "")


def test_a_misspelled_connection_is_an_error_not_default_credentials(flow_store: str) -> None:
    with pytest.raises(CamsConfigError, match="'flow_stroe' does not exist") as caught:
        JsonStore(f"s3://{flow_store}/flows/", "flow_stroe").check()
    assert "never falls back to default AWS credentials" in str(caught.value)


def test_a_missing_bucket_is_named_with_how_to_create_it(flow_store: str) -> None:
    with pytest.raises(CamsConfigError, match="bucket 'no-such-bucket-4242' does not exist") as caught:
        JsonStore("s3://no-such-bucket-4242/flows/", "flow_store").check()
    assert "aws s3 mb s3://no-such-bucket-4242" in str(caught.value)


def test_wrong_connection_type_is_refused(flow_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_NOT_AWS", '{"conn_type": "http", "host": "127.0.0.1"}')
    with pytest.raises(CamsConfigError, match="needs an Amazon"):
        JsonStore(f"s3://{flow_store}/flows/", "not_aws").check()


def test_planted_bytes_under_the_content_key_are_replaced(local_s3: LocalS3, flow_store: str) -> None:
    """A key is a name, not a proof: other bytes under sha256-<hash>.json are found and re-uploaded."""
    local_s3.client().put_object(Bucket=flow_store, Key=f"flows/{content_key(SHA)}", Body=b'{"planted": 1}')
    store = JsonStore(f"s3://{flow_store}/flows/", "flow_store", url_expiry=120)
    hosted = store.host(CONTENT, SHA)
    assert hosted.uploaded
    with urllib.request.urlopen(hosted.url, timeout=10) as response:  # what CAMS will download
        assert response.read() == CONTENT
    again = store.host(CONTENT, SHA)  # now verified: nothing uploaded
    assert not again.uploaded and local_s3.uploads(flow_store) == 2
    assert "Signature" not in repr(hosted) and "X-Amz" not in repr(hosted)
    assert hosted.url.split("?")[0] not in repr(hosted) or "?" not in repr(hosted)


def test_verified_once_store_uploads_once_for_many_threads(local_s3: LocalS3, flow_store: str) -> None:
    """A batch deploy's store: six threads hosting one content at once upload it once; each gets its
    own signed URL that serves the content."""
    from concurrent.futures import ThreadPoolExecutor

    from airflow_provider_cams.deploy.json_store import VerifiedOnceStore

    store = VerifiedOnceStore(f"s3://{flow_store}/batch/", "flow_store", url_expiry=120)
    store.check()
    with ThreadPoolExecutor(6) as pool:
        hosted = list(pool.map(lambda _: store.host(CONTENT, SHA), range(6)))
    assert [h.uploaded for h in hosted].count(True) == 1 and local_s3.uploads(flow_store) == 1
    assert {h.location for h in hosted} == {f"s3://{flow_store}/batch/{content_key(SHA)}"}
    for h in hosted:
        with urllib.request.urlopen(h.url, timeout=10) as response:
            assert response.read() == CONTENT
        assert "Signature" not in repr(h)
