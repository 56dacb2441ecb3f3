"""The email channel against a real aiosmtpd server on 127.0.0.1: what a reader's mail program would see (the
subject, both bodies, the attachments byte for byte under their Chinese names as the standard library's parser
decodes them), refusals sorted into permanent and transient, and no header added from data."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from channel_servers import authenticator, briefing, certificate, free_port, smtp_server, smtp_servers  # noqa: F401

from briefing import i18n
from briefing.delivery.channel import DeliveryFailed, Recipient, make_channel
from briefing.errors import UsageError

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40


def channel(port: int, **extra):
    table = {"kind": "email", "host": "127.0.0.1", "port": port, "security": "none",
             "from": "兴安盟帮扶办 <office@xam.example.gov.cn>", **extra}
    return make_channel("邮件", table, {})


def received(mailbox):
    assert len(mailbox.envelopes) == 1
    return message_from_bytes(mailbox.envelopes[0].original_content, policy=policy.default)


@pytest.mark.parametrize("other", [False, True], ids=["sample", "other-office"])
def test_the_reader_gets_subject_both_bodies_and_the_files(tmp_path, smtp_server, other):  # noqa: F811
    controller, mailbox = smtp_server
    sent = briefing(tmp_path, other=other, pdf=PDF)
    receipt = channel(controller.port).send(sent, Recipient("邮件", "zhang@example.gov.cn", "张三"))

    mail = received(mailbox)
    assert mailbox.envelopes[0].rcpt_tos == ["zhang@example.gov.cn"]
    assert mail["Subject"] == {"扎赉特旗帮扶工作周报": "扎赉特旗帮扶工作周报（2024年第2周，1月8日—1月14日）",
                               "鄂温克族自治旗生态就业月报": "鄂温克族自治旗生态就业月报（2025年3月）"}[sent.title]
    assert mail["To"].addresses[0].display_name == "张三"
    assert mail["From"].addresses[0].display_name == "兴安盟帮扶办"
    assert mail["Message-ID"] == receipt
    assert sent.headline[0] in mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"<h1>{sent.title}</h1>" in html
    parts = list(mail.iter_attachments())
    assert [p.get_filename() for p in parts] == [f.name for f in sent.files]
    assert [p.get_content() for p in parts] == [f.read_bytes() for f in sent.files]
    assert parts[0].get_content_type().endswith("wordprocessingml.document")
    raw = mailbox.envelopes[0].original_content
    assert raw.count(b"utf-8''") == len(sent.files)    # RFC 2231 (filename*= or its continuations filename*0*=)
    assert sent.files[0].name.encode() not in raw


def test_a_file_over_the_limit_goes_as_the_link(tmp_path, smtp_server):  # noqa: F811
    controller, mailbox = smtp_server
    link = "https://briefing.example.gov.cn/archive/7/简报.docx"
    sent = briefing(tmp_path, link=link, pdf=b"%PDF" + b"x" * 300_000)
    channel(controller.port, max_attachment_mb=0.1).send(sent, Recipient("邮件", "li@example.gov.cn"))
    mail = received(mailbox)
    assert [p.get_filename() for p in mail.iter_attachments()] == [sent.files[0].name]
    for kind in ("plain", "html"):
        body = mail.get_body((kind,)).get_content()
        assert link in body and sent.files[1].name in body


def test_a_file_over_the_limit_without_a_link_fails_saying_why(tmp_path, smtp_server):  # noqa: F811
    controller, mailbox = smtp_server
    sent = briefing(tmp_path, pdf=b"%PDF" + b"x" * 300_000)
    with pytest.raises(DeliveryFailed, match=r"over max_attachment_mb = 0.1.*public_url") as failed:
        channel(controller.port, max_attachment_mb=0.1).send(sent, Recipient("邮件", "li@example.gov.cn"))
    assert failed.value.permanent and sent.files[1].name in str(failed.value)
    assert mailbox.envelopes == []


@pytest.mark.parametrize("reply, permanent", [("550 5.1.1 no such mailbox", True),
                                              ("451 4.3.0 try again later", False)])
def test_a_refusal_is_permanent_for_5xx_and_retried_for_4xx(tmp_path, smtp_server, reply, permanent):  # noqa: F811
    controller, mailbox = smtp_server
    mailbox.refuse = reply
    with pytest.raises(DeliveryFailed, match=reply.split()[0]) as failed:
        channel(controller.port).send(briefing(tmp_path), Recipient("邮件", "nobody@example.gov.cn"))
    assert failed.value.permanent is permanent
    assert mailbox.envelopes == []


def test_a_server_that_is_down_is_retried(tmp_path):
    port = free_port()
    with pytest.raises(DeliveryFailed, match=f"127.0.0.1:{port}") as failed:
        channel(port).send(briefing(tmp_path), Recipient("邮件", "zhang@example.gov.cn"))
    assert not failed.value.permanent


@pytest.mark.parametrize("title, name, address", [
    ("周报\r\nBcc: spy@evil.example", "", "zhang@example.gov.cn"),
    ("=?utf-8?b?QmNjOiBzcHlAZXZpbC5leGFtcGxl?=", "", "zhang@example.gov.cn"),
    ("周报", "张三\nBcc: spy@evil.example", "zhang@example.gov.cn"),
    ("周报", "=?utf-8?q?spy?=", "zhang@example.gov.cn"),
    ("周报", "", "zhang@example.gov.cn\r\nBcc: spy@evil.example"),
    ("周报", "", "zhang@example.gov.cn, spy@evil.example"),
    ("周报", "", "not an address"),
    ("周报", "", "zhang@localhost"),
], ids=["crlf-subject", "encoded-subject", "lf-name", "encoded-name", "crlf-address", "two-addresses",
        "no-at", "no-domain"])
def test_nothing_from_data_adds_a_header(tmp_path, smtp_server, title, name, address):  # noqa: F811
    controller, mailbox = smtp_server
    sent = briefing(tmp_path)
    sent = type(sent)(**{**sent.__dict__, "title": title, "period_text": "2024年第2周"})
    with pytest.raises(DeliveryFailed) as failed:
        channel(controller.port).send(sent, Recipient("邮件", address, name))
    assert failed.value.permanent
    assert mailbox.envelopes == []


@pytest.mark.parametrize("extra, words", [
    ({"hots": "x"}, ["'邮件'", "unknown key 'hots'"]),
    ({"security": "tls"}, ["'security' must be ssl, starttls or none"]),
    ({"host": "smtp.example.gov.cn"}, ["security = none is allowed only"]),
    ({"user": "office"}, ["give 'password' or 'password_env'"]),
    ({"user": "office", "password_env": "NOT_SET_HERE"}, ["NOT_SET_HERE", "is not set"]),
    ({"from": "office"}, ["'from'", "'office' is not an email address"]),
    ({"port": "25"}, ["'port' must be a number"]),
])
def test_a_wrong_table_is_named_by_channel_and_key(extra, words):
    extra = dict(extra)
    with pytest.raises(UsageError) as wrong:
        channel(extra.pop("port", 2525), **extra)
    for word in words:
        assert word in str(wrong.value)


def test_the_password_comes_from_the_environment_and_never_shows(tmp_path):
    table = {"kind": "email", "host": "127.0.0.1", "port": free_port(), "security": "none", "user": "office",
             "password_env": "SMTP_PW", "from": "office@xam.example.gov.cn"}
    made = make_channel("邮件", table, {"SMTP_PW": "s3cret-Passw0rd"})
    assert made.password == "s3cret-Passw0rd"
    with pytest.raises(DeliveryFailed) as failed:
        made.send(briefing(tmp_path), Recipient("邮件", "zhang@example.gov.cn"))
    assert "s3cret-Passw0rd" not in str(failed.value)


def test_a_wrong_table_is_told_in_chinese(monkeypatch):
    monkeypatch.setenv("BRIEFING_LANG", "zh")
    monkeypatch.setattr(i18n, "_active", None)
    with pytest.raises(UsageError) as wrong:
        channel(2525, hots="x")
    assert "渠道“邮件”" in str(wrong.value) and "“hots”" in str(wrong.value)


def test_starttls_or_a_login_the_server_does_not_offer_fails_for_good(tmp_path, smtp_server):  # noqa: F811
    controller, mailbox = smtp_server
    for extra in ({"security": "starttls"}, {"user": "office", "password": "pw-1234"}):
        with pytest.raises(DeliveryFailed, match="cannot do what channel '邮件' asks") as failed:
            channel(controller.port, **extra).send(briefing(tmp_path), Recipient("邮件", "zhang@example.gov.cn"))
        assert failed.value.permanent
    assert mailbox.envelopes == []
    assert "pw-1234" not in repr(channel(controller.port, user="office", password="pw-1234"))


def tls_channel(port: int, security: str, ca: str = "", password: str = "pw-Right-1"):
    table = {"kind": "email", "host": "127.0.0.1", "port": port, "security": security, "user": "office",
             "password_env": "SMTP_PASSWORD", "from": "兴安盟帮扶办 <office@xam.example.gov.cn>",
             **({"ca_file": ca} if ca else {})}
    return make_channel("邮件", table, {"SMTP_PASSWORD": password})


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")   # the SSL server: TLS from the start
def test_ssl_and_starttls_with_a_login(tmp_path, smtp_servers, certificate):  # noqa: F811
    ca, context = certificate
    login = authenticator("office", "pw-Right-1")
    sent = briefing(tmp_path, other=True)
    ssl_port, ssl_box = smtp_servers(ssl_context=context, authenticator=login, auth_required=True,
                                     auth_require_tls=False)      # the whole connection is TLS already
    tls_port, tls_box = smtp_servers(tls_context=context, require_starttls=True, authenticator=login,
                                     auth_required=True)
    tls_channel(ssl_port, "ssl", str(ca)).send(sent, Recipient("邮件", "zhang@example.gov.cn"))
    tls_channel(tls_port, "starttls", str(ca)).send(sent, Recipient("邮件", "li@example.gov.cn"))
    for mailbox in (ssl_box, tls_box):
        assert received(mailbox)["Subject"] == f"{sent.title}（{sent.period_text}）"

    with pytest.raises(DeliveryFailed, match="535") as refused:        # a wrong password: for good
        tls_channel(ssl_port, "ssl", str(ca), password="pw-Wrong-2").send(sent, Recipient("邮件", "a@b.gov.cn"))
    assert refused.value.permanent and "pw-Wrong-2" not in str(refused.value)
    with pytest.raises(DeliveryFailed, match="give that CA's PEM file as ca_file") as unverified:
        tls_channel(tls_port, "starttls").send(sent, Recipient("邮件", "a@b.gov.cn"))
    assert unverified.value.permanent
    assert len(ssl_box.envelopes) == len(tls_box.envelopes) == 1


def test_ca_file_must_be_there(tmp_path):
    with pytest.raises(UsageError, match="'ca_file': there is no file"):
        tls_channel(465, "ssl", str(tmp_path / "missing.pem"))


def test_a_title_that_names_its_period_is_the_subject_as_it_is(tmp_path):
    """The sample's titles end in their period (……工作周报（2024年第2周）): the subject does not say it twice."""
    from dataclasses import replace

    from briefing.delivery.email import subject
    sent = replace(briefing(tmp_path), title="扎赉特旗干部人才“组团式”帮扶工作周报（2024年第2周）")
    assert subject(sent) == "扎赉特旗干部人才“组团式”帮扶工作周报（2024年第2周）"
