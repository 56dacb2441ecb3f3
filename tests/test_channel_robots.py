"""The group-chat robots against a local HTTP server on 127.0.0.1 that reads each message as the platform's
documentation describes it: WeCom's markdown then its file (uploaded whole through upload_media), DingTalk's
markdown with its signature in the query, Feishu's post with its signature in the body; each signature checked
here with the algorithm the platform's documentation gives. Error codes sorted into retried and permanent, and
no secret in any message."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

import pytest
from channel_servers import briefing, http_server  # noqa: F401 (a fixture)

from briefing.delivery.channel import DeliveryFailed, Recipient, make_channel
from briefing.errors import UsageError

LINK = "https://briefing.example.gov.cn/archive/2024/简报.docx"


def robot(kind: str, server, path: str, **extra):
    return make_channel("群", {"kind": kind, "webhook": server.url + path, "allow_local": True, **extra}, {})


def wecom_answers(request):
    if request.path.endswith("/upload_media"):
        return 200, {"errcode": 0, "errmsg": "ok", "type": "file", "media_id": "MEDIA-1", "created_at": "1"}
    return 200, {"errcode": 0, "errmsg": "ok"}


@pytest.mark.parametrize("other", [False, True], ids=["sample", "other-office"])
def test_wecom_gets_the_headline_then_the_docx_whole(tmp_path, http_server, other):  # noqa: F811
    http_server.answer = wecom_answers
    sent = briefing(tmp_path, other=other, link=LINK)
    robot("wecom", http_server, "/cgi-bin/webhook/send?key=K-123").send(sent, Recipient("群"))

    upload, text, file = http_server.requests     # the upload first: a failure there leaves nothing sent
    assert (text.path, text.query) == ("/cgi-bin/webhook/send", {"key": "K-123"})
    content = text.json()["markdown"]["content"]
    assert text.json()["msgtype"] == "markdown"
    assert sent.title in content and sent.period_text in content and f"]({LINK})" in content
    assert all(sentence in content for sentence in sent.headline)
    assert (upload.path, upload.query) == ("/cgi-bin/webhook/upload_media", {"key": "K-123", "type": "file"})
    assert upload.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    boundary = upload.headers["Content-Type"].split("boundary=")[1].encode()
    part = upload.body.split(b"--" + boundary)[1]
    head, data = part.split(b"\r\n\r\n", 1)
    assert f'name="media"; filename="{sent.files[0].name}"'.encode() in head
    assert data[:-2] == sent.files[0].read_bytes()                       # the .docx arrives whole
    assert file.json() == {"msgtype": "file", "file": {"media_id": "MEDIA-1"}}


def test_wecom_keeps_to_its_limits(tmp_path, http_server):  # noqa: F811
    http_server.answer = wecom_answers
    sent = briefing(tmp_path, link=LINK)
    long = type(sent)(**{**sent.__dict__, "headline": tuple(f"第{n}项指标本周完成1,234人。" for n in range(400))})
    with open(sent.files[0], "r+b") as f:                   # a .docx of 21 MB (sparse): over WeCom's 20 MB
        f.truncate(21 << 20)
    receipt = robot("wecom", http_server, "/cgi-bin/webhook/send?key=K").send(long, Recipient("群"))
    (text,) = http_server.requests                          # no upload: the link stands for the file
    content = text.json()["markdown"]["content"]
    assert len(content.encode()) <= 4096 and "> ……" in content and content.endswith(f"]({LINK})")
    assert "第0项" in content and "第399项" not in content and "sent as the link" in receipt
    without_link = type(sent)(**{**sent.__dict__, "link": None})
    with pytest.raises(DeliveryFailed, match="21.0 MB, over the 20 MB a WeCom robot takes") as failed:
        robot("wecom", http_server, "/cgi-bin/webhook/send?key=K").send(without_link, Recipient("群"))
    assert failed.value.permanent and len(http_server.requests) == 1    # nothing more was sent


def test_dingtalk_signs_as_its_documentation_says(tmp_path, http_server):  # noqa: F811
    secret = "SEC0123456789abcdef"
    sent = briefing(tmp_path, other=True, link=LINK)
    before = time.time() * 1000
    robot("dingtalk", http_server, "/robot/send?access_token=TOKEN-9", secret=secret).send(sent, Recipient("群"))
    (request,) = http_server.requests
    assert request.path == "/robot/send" and request.query["access_token"] == "TOKEN-9"
    timestamp = request.query["timestamp"]
    assert abs(int(timestamp) - before) < 60_000                         # milliseconds
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert request.query["sign"] == expected                             # parse_qs has undone the urlencoding
    body = request.json()
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == sent.title
    assert sent.headline[1] in body["markdown"]["text"] and LINK in body["markdown"]["text"]


def test_feishu_signs_as_its_documentation_says(tmp_path, http_server):  # noqa: F811
    secret = "feishu-secret-42"
    http_server.answer = lambda request: (200, {"code": 0, "msg": "success", "data": {}})
    sent = briefing(tmp_path, link=LINK)
    robot("feishu", http_server, "/open-apis/bot/v2/hook/HOOK-7", secret=secret).send(sent, Recipient("群"))
    body = http_server.requests[0].json()
    assert abs(int(body["timestamp"]) - time.time()) < 60                # seconds
    key = f"{body['timestamp']}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    post = body["content"]["post"]["zh_cn"]
    assert body["msg_type"] == "post" and post["title"] == sent.title
    elements = [element for line in post["content"] for element in line]
    assert {"tag": "text", "text": sent.headline[0]} in elements
    assert {"tag": "a", "text": "查看简报", "href": LINK} in elements


def test_no_link_without_public_url(tmp_path, http_server):  # noqa: F811
    robot("dingtalk", http_server, "/robot/send?access_token=T").send(briefing(tmp_path), Recipient("群"))
    assert "](" not in http_server.requests[0].json()["markdown"]["text"]
    assert "sign" not in http_server.requests[0].query


@pytest.mark.parametrize("kind, path, answer, permanent", [
    ("dingtalk", "/robot/send?access_token=TOKEN-SECRET-1", {"errcode": 310000, "errmsg": "sign not match"}, True),
    ("dingtalk", "/robot/send?access_token=TOKEN-SECRET-1", {"errcode": 130101, "errmsg": "send too fast"}, False),
    ("wecom", "/cgi-bin/webhook/send?key=KEY-SECRET-2", {"errcode": 93000, "errmsg": "invalid webhook url"}, True),
    ("wecom", "/cgi-bin/webhook/send?key=KEY-SECRET-2", {"errcode": 45009, "errmsg": "api freq out of limit"}, False),
    ("feishu", "/open-apis/bot/v2/hook/HOOK-SECRET-3", {"code": 19021, "msg": "sign match fail"}, True),
    ("feishu", "/open-apis/bot/v2/hook/HOOK-SECRET-3", {"code": 11232, "msg": "frequency limited"}, False),
])
def test_error_codes_are_retried_or_permanent(tmp_path, http_server, kind, path, answer, permanent):  # noqa: F811
    http_server.answer = lambda request: (200, answer)
    extra = {} if kind == "wecom" else {"secret": "SIGNING-SECRET"}
    with pytest.raises(DeliveryFailed) as failed:
        robot(kind, http_server, path, **extra).send(briefing(tmp_path), Recipient("群"))
    assert failed.value.permanent is permanent
    assert str(answer.get("errcode", answer.get("code"))) in str(failed.value)


def test_a_failing_send_shows_no_secret(tmp_path, http_server):  # noqa: F811
    token, secret = "TOKEN-abcdef123456", "SECfedcba654321"
    http_server.answer = lambda request: (200, {"errcode": 300001, "errmsg": f"token {token} is not exist"})
    with pytest.raises(DeliveryFailed) as failed:
        robot("dingtalk", http_server, f"/robot/send?access_token={token}", secret=secret).send(
            briefing(tmp_path), Recipient("群"))
    http_server.answer = lambda request: (500, {})
    with pytest.raises(DeliveryFailed) as server_error:
        robot("dingtalk", http_server, f"/robot/send?access_token={token}", secret=secret).send(
            briefing(tmp_path), Recipient("群"))
    for error in (failed.value, server_error.value):
        shown = f"{error} {error!r} {error.__cause__!r} {error.__context__!r}"
        assert token not in shown and secret not in shown
    assert "token *** is not exist" in str(failed.value)
    assert not server_error.value.permanent and "127.0.0.1 answered HTTP 500" in str(server_error.value)


@pytest.mark.parametrize("table, words", [
    ({"webhook": "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"}, "must be an https:// address"),
    ({"webhook": "http://10.0.0.5/send?key=x", "allow_local": True}, "must be an https:// address"),
    ({"webhook": "http://127.0.0.1:9/send?key=x"}, "must be an https:// address"),
    ({"webhook_env": "WECOM_NOT_SET"}, "WECOM_NOT_SET"),
    ({}, "give 'webhook' or 'webhook_env'"),
    ({"webhook": "https://x.example/a", "webhok": "y"}, "unknown key 'webhok'"),
])
def test_a_wrong_robot_table_is_refused(table, words):
    with pytest.raises(UsageError, match=re.escape(words)):
        make_channel("群", {"kind": "wecom", **table}, {})


def test_the_webhook_comes_from_the_environment():
    made = make_channel("群", {"kind": "feishu", "webhook_env": "HOOK", "secret_env": "SEC"},
                        {"HOOK": "https://open.feishu.cn/open-apis/bot/v2/hook/abc", "SEC": "s"})
    assert made.webhook.endswith("/abc") and made.secret == "s"
    with pytest.raises(UsageError, match="'kind' must be one of email, wecom"):
        make_channel("群", {"kind": "telegram"}, {})


def test_a_channel_shows_no_secret_when_printed():
    environ = {"HOOK": "https://oapi.dingtalk.com/robot/send?access_token=TOKEN-printed", "SEC": "SEC-printed"}
    made = make_channel("群", {"kind": "dingtalk", "webhook_env": "HOOK", "secret_env": "SEC"}, environ)
    assert "printed" not in repr(made) and "printed" not in str(made)


def test_an_address_that_cannot_be_sent_to_fails_for_good_without_showing_its_token():
    """A space or control character in a robot's address (a paste gone wrong) makes urllib refuse it with a message
    quoting the whole address: the failure names the host only, never the token after it."""
    from briefing.delivery.transport import post

    for address in ("https://127.0.0.1:9/robot/send?access_token=SECRET TOKEN",
                    "https://127.0.0.1:9/robot/send?access_token=SECRET\x01TOKEN"):
        with pytest.raises(DeliveryFailed) as failed:
            post(address, b"{}", "application/json", ("SECRET",))
        assert failed.value.permanent and "127.0.0.1" in str(failed.value)
        assert "SECRET" not in str(failed.value) and "TOKEN" not in str(failed.value)
