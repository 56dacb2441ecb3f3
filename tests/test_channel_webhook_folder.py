"""The generic JSON webhook against a local HTTP server (the briefing's fields, the files inline in base64 up to
the limit, the signature header) and the folder drop into a real folder (the files copied under the archive's
names; a same-content file is success, another is never overwritten)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pytest
from channel_servers import briefing, http_server  # noqa: F401 (a fixture)

from briefing.delivery.channel import DeliveryFailed, Recipient, make_channel
from briefing.errors import UsageError

PDF = b"%PDF-1.4\n" + os.urandom(3 << 20)


@pytest.mark.parametrize("other", [False, True], ids=["sample", "other-office"])
def test_the_webhook_gets_the_fields_and_the_small_files(tmp_path, http_server, other):  # noqa: F811
    http_server.answer = lambda request: (202, {"id": "r-1"})
    made = make_channel("系统", {"kind": "webhook", "url": http_server.url + "/hooks/briefing", "allow_local": True,
                                 "secret_env": "HOOK_SECRET"}, {"HOOK_SECRET": "hook-secret"})
    sent = briefing(tmp_path, other=other, link="https://briefing.example.gov.cn/a.docx", pdf=PDF)
    receipt = made.send(sent, Recipient("系统"))

    (request,) = http_server.requests
    body = request.json()
    assert receipt == '{"id": "r-1"}'
    assert {k: body[k] for k in ("report_id", "title", "period_text", "region", "link")} == {
        "report_id": 7, "title": sent.title, "period_text": sent.period_text, "region": sent.region,
        "link": "https://briefing.example.gov.cn/a.docx"}
    assert body["headline"] == list(sent.headline) and body["text"] == sent.text
    docx, pdf = body["files"]
    assert docx["name"] == sent.files[0].name
    assert base64.b64decode(docx["content"]) == sent.files[0].read_bytes()
    assert (pdf["name"], pdf["size"], pdf["content"]) == (sent.files[1].name, len(PDF), None)   # over 2 MB
    assert pdf["sha256"] == hashlib.sha256(PDF).hexdigest()
    expected = "sha256=" + hmac.new(b"hook-secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Briefing-Signature"] == expected


@pytest.mark.parametrize("status, permanent", [(404, True), (429, False), (503, False), (302, True)])
def test_a_webhook_refusal_is_sorted(tmp_path, http_server, status, permanent):  # noqa: F811
    http_server.answer = lambda request: (status, {})
    made = make_channel("系统", {"kind": "webhook", "url": http_server.url + "/h?token=TOK-77",
                                 "allow_local": True}, {})
    with pytest.raises(DeliveryFailed, match=f"HTTP {status}") as failed:
        made.send(briefing(tmp_path), Recipient("系统"))
    assert failed.value.permanent is permanent and "TOK-77" not in str(failed.value)
    assert [r.path for r in http_server.requests] == ["/h"]       # a redirect is not followed (as a GET)


def test_the_webhook_must_be_https():
    with pytest.raises(UsageError, match="'url' must be an https:// address"):
        make_channel("系统", {"kind": "webhook", "url": "http://example.gov.cn/h"}, {})
    assert make_channel("系统", {"kind": "webhook", "url": "https://example.gov.cn/h"}, {}).secret == ""


@pytest.mark.parametrize("other", [False, True], ids=["sample", "other-office"])
def test_the_folder_gets_a_copy_under_the_archive_names(tmp_path, other):
    share = tmp_path / "共享盘"
    share.mkdir()
    sent = briefing(tmp_path / "archive", other=other, pdf=PDF)
    drop = make_channel("共享盘", {"kind": "folder", "path": str(share)}, {})
    drop.send(sent, Recipient("共享盘"))
    assert sorted(p.name for p in share.iterdir()) == sorted(f.name for f in sent.files)
    assert all((share / f.name).read_bytes() == f.read_bytes() for f in sent.files)
    drop.send(sent, Recipient("共享盘"))                        # a retry after a crash: the same files are there
    assert sorted(p.name for p in share.iterdir()) == sorted(f.name for f in sent.files)


def test_the_folder_never_overwrites_another_file(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    sent = briefing(tmp_path / "archive")
    (share / sent.files[0].name).write_bytes(b"someone's own file")
    with pytest.raises(DeliveryFailed, match="not overwritten") as failed:
        make_channel("共享盘", {"kind": "folder", "path": str(share)}, {}).send(sent, Recipient("共享盘"))
    assert failed.value.permanent
    assert (share / sent.files[0].name).read_bytes() == b"someone's own file"


def test_a_folder_not_mounted_is_retried_and_not_made(tmp_path):
    missing = tmp_path / "mnt" / "share"
    with pytest.raises(DeliveryFailed, match="is not there") as failed:
        make_channel("共享盘", {"kind": "folder", "path": str(missing)}, {}).send(briefing(tmp_path), Recipient("x"))
    assert not failed.value.permanent and not missing.exists()
    with pytest.raises(UsageError, match="the key 'path' is missing"):
        make_channel("共享盘", {"kind": "folder"}, {})
