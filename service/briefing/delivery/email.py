"""Email over SMTP (ssl, starttls, or none for a server on this machine), built with the standard library's
``email`` package: the subject is the title and the period, the body the briefing's text with its HTML
preview as the alternative, the .docx (and the .pdf) attached under their Chinese names (RFC 2231). A file
over max_attachment_mb goes as the archive's link instead, or the delivery fails saying why.

Nothing from the data or a template can add a header: a subject, name or address with a line break, another
control character or an encoded word (=?) is refused. A 5xx answer of the server is permanent; a 4xx, a lost
connection or a server that cannot be reached is retried."""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Mapping

from ..i18n import _, shown
from .channel import Briefing, DeliveryFailed, Recipient
from .transport import LOCAL_HOSTS, TIMEOUT, Table, scrub

SECURITY = {"ssl": 465, "starttls": 587, "none": 25}
# what a reader sees in place of a file too large to attach: part of the briefing, Chinese in any interface language
TOO_LARGE = "{file}（{size:.1f} MB）超过邮件附件的大小限制，未作附件发送，请从此处下载：{link}"


def unsafe(value: str) -> bool:
    """A header value that could add a header or hide one: a line break, a control character, an encoded word."""
    return "=?" in value or any(not ch.isprintable() and ch != " " for ch in value)


def checked(field: str, value: str) -> str:
    if unsafe(value):
        raise DeliveryFailed(_("the email's {field} holds a line break, a control character or '=?' "
                               "(refused, so that it cannot add a header): {value}").format(
                                   field=field, value=shown(value)), permanent=True)
    return value


def address(name: str, addr: str) -> Address:
    """An address the standard library accepts whole (local part @ a domain with a dot), else DeliveryFailed."""
    checked(_("display name"), name)
    checked(_("address"), addr)
    try:
        parsed = Address(display_name=name, addr_spec=addr)
    except (ValueError, IndexError):
        parsed = None
    if parsed is None or not parsed.username or "." not in parsed.domain:
        raise DeliveryFailed(_("'{address}' is not an email address").format(address=shown(addr)), permanent=True)
    return parsed


def subject(briefing: Briefing) -> str:
    """The title, and the period after it when the title does not name it already: 扎赉特旗帮扶工作周报（2024年第2周，
    1月8日—1月14日）, one pair of brackets (a title such as ……周报（2024年第2周） is the subject as it is)."""
    title, period = briefing.title, briefing.period_text
    name, _bracket, dates = period.partition("（")
    if not period or name in title:
        text = title
    else:
        text = f"{title}（{name}，{dates.removesuffix('）')}）" if dates else f"{title}（{period}）"
    return checked(_("subject"), text)


def attachments(briefing: Briefing, limit_mb: float) -> tuple[list[Path], str]:
    """The files to attach, and the note for those too large (sent as the link), or DeliveryFailed."""
    attach, notes = [], []
    for path in briefing.files:
        size = path.stat().st_size / (1 << 20)
        if size <= limit_mb:
            attach.append(path)
        elif briefing.link:
            notes.append(TOO_LARGE.format(file=path.name, size=size, link=briefing.link))
        else:
            raise DeliveryFailed(_("{file} is {size:.1f} MB, over max_attachment_mb = {limit}, and no public_url "
                                   "gives a link to send instead").format(file=path.name, size=size,
                                                                          limit=limit_mb), permanent=True)
    return attach, "\n".join(notes)


def with_note(html: str, note: str) -> str:
    if not note:
        return html
    paragraph = f"<p>{note}</p>"
    at = html.lower().rfind("</body>")
    return html[:at] + paragraph + html[at:] if at >= 0 else html + paragraph


def message(briefing: Briefing, sender: Address, to: Address, limit_mb: float) -> EmailMessage:
    files, note = attachments(briefing, limit_mb)
    mail = EmailMessage()
    mail["Subject"] = subject(briefing)
    mail["From"] = sender
    mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.domain)
    mail.set_content(briefing.text + (f"\n\n{note}\n" if note else ""))
    if briefing.html:
        mail.add_alternative(with_note(briefing.html, note), subtype="html")
    for path in files:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        mail.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return mail


@dataclass(frozen=True)
class Email:
    name: str
    host: str
    port: int
    security: str
    user: str
    password: str = field(repr=False)
    sender: Address
    max_attachment_mb: float
    ca_file: str = ""           # a PEM file of the CA that signed the server's certificate, else the system's

    def send(self, briefing: Briefing, recipient: Recipient) -> str:
        mail = message(briefing, self.sender, address(recipient.name, recipient.address), self.max_attachment_mb)
        try:
            with self.connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as e:
            code, reply = next(iter(e.recipients.values()))
            raise self.refused(code, reply) from None
        except smtplib.SMTPResponseException as e:
            raise self.refused(e.smtp_code, e.smtp_error) from None
        except ssl.SSLCertVerificationError as e:     # retrying cannot help: the config must name its CA
            raise DeliveryFailed(_("the certificate of the mail server {host} cannot be verified ({reason}); if "
                                   "an in-house CA signed it, give that CA's PEM file as ca_file").format(
                                       host=self.host, reason=e.verify_message or e), permanent=True) from None
        except smtplib.SMTPNotSupportedError as e:     # no STARTTLS or no AUTH: the config asks what it cannot do
            raise DeliveryFailed(_("the mail server {host}:{port} cannot do what channel '{channel}' asks: {reason}")
                                 .format(host=self.host, port=self.port, channel=shown(self.name), reason=e),
                                 permanent=True) from None
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryFailed(_("cannot reach the mail server {host}:{port}: {reason}").format(
                host=self.host, port=self.port, reason=scrub(str(e), (self.password,))), permanent=False) from None
        return mail["Message-ID"]

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        if self.security == "starttls":
            try:
                smtp.starttls(context=context)
            except BaseException:
                smtp.close()
                raise
        return smtp

    def refused(self, code: int, reply: bytes | str) -> DeliveryFailed:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return DeliveryFailed(_("the mail server {host} refused: {code} {reply}").format(
            host=self.host, code=code, reply=scrub(text, (self.password,))), permanent=500 <= code < 600)


def make_email(name: str, table: Mapping[str, object], environ: Mapping[str, str]) -> Email:
    config = Table(name, table, environ)
    config.check_keys(("host", "from"), ("port", "security", "user", "password", "password_env",
                                         "max_attachment_mb", "ca_file"))
    security = config.text("security", "ssl")
    if security not in SECURITY:
        raise config.error(_("'security' must be ssl, starttls or none"))
    host = config.text("host")
    if security == "none" and host not in LOCAL_HOSTS:
        raise config.error(_("security = none is allowed only for a server on this machine (127.0.0.1 or "
                             "localhost): elsewhere the password and the briefing would cross the network "
                             "unencrypted"))
    user = config.text("user", "")
    sender_name, sender_addr = parseaddr(config.text("from"))
    try:
        sender = address(sender_name, sender_addr)
    except DeliveryFailed as e:
        raise config.error(_("'from': {problem}").format(problem=e)) from None
    port = config.number("port", SECURITY[security])
    if port != int(port):
        raise config.error(_("'{key}' must be a whole number").format(key="port"))
    ca_file = config.text("ca_file", "")
    if ca_file and not Path(ca_file).is_file():
        raise config.error(_("'ca_file': there is no file {path}").format(path=ca_file))
    return Email(name, host, int(port), security, user, config.secret("password", required=bool(user)), sender,
                 config.number("max_attachment_mb", 10), ca_file)
