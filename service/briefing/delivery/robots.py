"""The group-chat robots Chinese offices use: WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书). Each gets a
message with the title, the period, the headline figures and, when public_url gives one, the link to the
archived file; WeCom also gets the .docx itself, uploaded through the robot's upload_media endpoint and sent as
a file message. Signing follows each platform's documentation: DingTalk signs timestamp (ms) + "\\n" + secret
with the secret as the HMAC-SHA256 key, in the query; Feishu uses timestamp (s) + "\\n" + secret as the key
over an empty message, in the JSON body. An answer's errcode/code other than 0 is a failure: a rate limit or
a busy system is retried, anything else (a wrong key, a bad signature, a refused keyword) is permanent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import quote_plus, urlsplit, urlunsplit

from ..i18n import _, shown
from .channel import Briefing, DeliveryFailed, Recipient
from .transport import Table, as_json, post, post_json, scrub

LINK_TEXT = "查看简报"    # the robots' messages are part of the briefing, which is Chinese in any interface language

# error codes that say "later": rate limits and a busy system (each platform's documented codes)
WECOM_TRANSIENT = {-1, 45009, 45033}
DINGTALK_TRANSIENT = {-1, 130101, 410100}
FEISHU_TRANSIENT = {11232, 99991400}
WECOM_MARKDOWN_BYTES = 4096     # the longest markdown content each platform takes
DINGTALK_MARKDOWN_BYTES = 20000
WECOM_FILE_MB = 20              # the largest file a WeCom robot takes


def markdown(briefing: Briefing, limit: int) -> str:
    """The message as WeCom's and DingTalk's markdown: a bold title, the region and period, the headline
    sentences as a quote, the link; within the platform's limit of UTF-8 bytes (the last sentences left out,
    and a …… in their place, when they would not fit)."""
    sentences = list(briefing.headline)
    while True:
        lines = [f"**{briefing.title}**", f"{briefing.region} {briefing.period_text}".strip(), ""]
        lines += [f"> {sentence}" for sentence in sentences]
        lines += ["> ……"] if len(sentences) < len(briefing.headline) else []
        lines += ["", f"[{LINK_TEXT}]({briefing.link})"] if briefing.link else []
        text = "\n".join(lines)
        if len(text.encode("utf-8")) <= limit or not sentences:
            return text
        sentences.pop()


def answered(data: dict, key: str, channel: str, transient: set[int], secrets: tuple[str, ...]) -> str:
    """The receipt of a robot's JSON answer, or DeliveryFailed when its code is not 0."""
    code = data.get(key, data.get("StatusCode", 0))
    if code in (0, None):
        return str(data.get("errmsg") or data.get("msg") or "ok")
    detail = scrub(str(data.get("errmsg") or data.get("msg") or ""), secrets)
    raise DeliveryFailed(_("channel '{channel}': the robot answered error {code}: {detail}").format(
        channel=shown(channel), code=code, detail=detail), permanent=code not in transient)


def multipart(field: str, path: Path) -> tuple[bytes, str]:
    """A multipart/form-data body holding one file, as WeCom's upload_media reads it (name, filename and
    filelength in the part's Content-Disposition), and its Content-Type."""
    boundary = uuid.uuid4().hex
    data = path.read_bytes()
    filename = path.name.replace('"', "%22").replace("\r", "").replace("\n", "")
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"; "
            f"filelength={len(data)}\r\nContent-Type: application/octet-stream\r\n\r\n").encode("utf-8")
    return head + data + f"\r\n--{boundary}--\r\n".encode("ascii"), f"multipart/form-data; boundary={boundary}"


@dataclass(frozen=True)
class WeCom:
    name: str
    webhook: str = field(repr=False)

    def send(self, briefing: Briefing, recipient: Recipient) -> str:
        """The file is uploaded first (nothing shows in the group until a message names it), so a failure
        there leaves nothing sent, and a retry sends no second markdown message."""
        secrets = (self.webhook, key_of(self.webhook))
        media = self.media(briefing, secrets)
        content = markdown(briefing, WECOM_MARKDOWN_BYTES)
        answer = post_json(self.webhook, {"msgtype": "markdown", "markdown": {"content": content}}, secrets)
        receipts = [answered(answer, "errcode", self.name, WECOM_TRANSIENT, secrets)]
        if media:
            answer = post_json(self.webhook, {"msgtype": "file", "file": {"media_id": media}}, secrets)
            receipts.append(f"file {answered(answer, 'errcode', self.name, WECOM_TRANSIENT, secrets)}")
        elif briefing.files:
            receipts.append(f"file over {WECOM_FILE_MB} MB: sent as the link")
        return "; ".join(receipts)

    def media(self, briefing: Briefing, secrets: tuple[str, ...]) -> str | None:
        """The media_id of the uploaded .docx; None when there is none, or when it is over what WeCom takes
        and the markdown's link stands for it (without a link, DeliveryFailed)."""
        if not briefing.files:
            return None
        size = briefing.files[0].stat().st_size / (1 << 20)
        if size <= WECOM_FILE_MB:
            return self.upload(briefing.files[0], secrets)
        if briefing.link:
            return None
        raise DeliveryFailed(_("{file} is {size:.1f} MB, over the {limit} MB a WeCom robot takes, and no "
                               "public_url gives a link to send instead").format(
                                   file=briefing.files[0].name, size=size, limit=WECOM_FILE_MB), permanent=True)

    def upload(self, path: Path, secrets: tuple[str, ...]) -> str:
        """The media_id of the file uploaded to the robot (upload_media?key=…&type=file)."""
        parts = urlsplit(self.webhook)
        url = urlunsplit(parts._replace(path=parts.path.rsplit("/", 1)[0] + "/upload_media",
                                        query=f"{parts.query}&type=file"))
        data = as_json(post(url, *multipart("media", path), secrets))
        answered(data, "errcode", self.name, WECOM_TRANSIENT, secrets)
        if not isinstance(data.get("media_id"), str):
            raise DeliveryFailed(_("channel '{channel}': the robot gave no media_id for {file}").format(
                channel=shown(self.name), file=path.name))
        return data["media_id"]


def key_of(url: str) -> str:
    """The token in a robot's address (key=… for WeCom, access_token=… for DingTalk), kept out of messages."""
    query = urlsplit(url).query
    return next((part.split("=", 1)[1] for part in query.split("&") if part.startswith(("key=", "access_token="))),
                "")


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's signature: HMAC-SHA256 with the secret as key over timestamp + "\\n" + secret, base64."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp: str) -> str:
    """Feishu's signature: HMAC-SHA256 with timestamp + "\\n" + secret as key over an empty message, base64."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode("utf-8"), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class DingTalk:
    name: str
    webhook: str = field(repr=False)
    secret: str = field(repr=False)

    def send(self, briefing: Briefing, recipient: Recipient) -> str:
        url = self.webhook
        if self.secret:
            timestamp = str(round(time.time() * 1000))
            url += f"&timestamp={timestamp}&sign={quote_plus(dingtalk_sign(self.secret, timestamp))}"
        secrets = (self.webhook, key_of(self.webhook), self.secret)
        text = markdown(briefing, DINGTALK_MARKDOWN_BYTES)
        payload = {"msgtype": "markdown", "markdown": {"title": briefing.title, "text": text}}
        return answered(post_json(url, payload, secrets), "errcode", self.name, DINGTALK_TRANSIENT, secrets)


def feishu_post(briefing: Briefing) -> dict:
    """Feishu's rich-text ("post") message: one paragraph per line, the link as an "a" element."""
    lines = [f"{briefing.region} {briefing.period_text}".strip(), *briefing.headline]
    content = [[{"tag": "text", "text": line}] for line in lines]
    if briefing.link:
        content.append([{"tag": "a", "text": LINK_TEXT, "href": briefing.link}])
    return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": briefing.title, "content": content}}}}


@dataclass(frozen=True)
class Feishu:
    name: str
    webhook: str = field(repr=False)
    secret: str = field(repr=False)

    def send(self, briefing: Briefing, recipient: Recipient) -> str:
        payload = feishu_post(briefing)
        if self.secret:
            timestamp = str(int(time.time()))
            payload = {"timestamp": timestamp, "sign": feishu_sign(self.secret, timestamp), **payload}
        secrets = (self.webhook, self.webhook.rsplit("/", 1)[-1], self.secret)
        return answered(post_json(self.webhook, payload, secrets), "code", self.name, FEISHU_TRANSIENT, secrets)


ROBOT_KEYS = ("webhook", "webhook_env", "allow_local")


def make_wecom(name: str, table: Mapping[str, object], environ: Mapping[str, str]) -> WeCom:
    config = Table(name, table, environ)
    config.check_keys((), ROBOT_KEYS)
    return WeCom(name, config.url("webhook"))


def make_dingtalk(name: str, table: Mapping[str, object], environ: Mapping[str, str]) -> DingTalk:
    config = Table(name, table, environ)
    config.check_keys((), ROBOT_KEYS + ("secret", "secret_env"))
    return DingTalk(name, config.url("webhook"), config.secret("secret", required=False))


def make_feishu(name: str, table: Mapping[str, object], environ: Mapping[str, str]) -> Feishu:
    config = Table(name, table, environ)
    config.check_keys((), ROBOT_KEYS + ("secret", "secret_env"))
    return Feishu(name, config.url("webhook"), config.secret("secret", required=False))
