"""A generic JSON webhook: the briefing's fields POSTed to an https address another system gives.

The body is one JSON object: report_id, title, period_text, region, headline (a list of sentences), text, link
(null without public_url), and files, each {name, size, sha256, content}: content is the file in base64 when
it is at most max_file_mb (2 by default), else null (the receiver takes the link). With a secret, the header
X-Briefing-Signature is "sha256=" and the hex HMAC-SHA256 of the body under it, so the receiver can check the
sender. An answer other than 2xx is a failure: 429 and 5xx are retried, any other refusal is permanent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Mapping

from ..files import sha256_of
from .channel import Briefing, Recipient
from .transport import Table, post, scrub


def payload(briefing: Briefing, max_file_mb: float) -> dict:
    files = []
    for path in briefing.files:
        data = path.read_bytes()
        inline = len(data) <= max_file_mb * (1 << 20)
        files.append({"name": path.name, "size": len(data), "sha256": sha256_of(data),
                      "content": base64.b64encode(data).decode("ascii") if inline else None})
    return {"report_id": briefing.report_id, "title": briefing.title, "period_text": briefing.period_text,
            "region": briefing.region, "headline": list(briefing.headline), "text": briefing.text,
            "link": briefing.link, "files": files}


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str = field(repr=False)
    secret: str = field(repr=False)
    max_file_mb: float

    def send(self, briefing: Briefing, recipient: Recipient) -> str:
        body = json.dumps(payload(briefing, self.max_file_mb), ensure_ascii=False).encode("utf-8")
        headers = {"X-Briefing-Signature": signature(self.secret, body)} if self.secret else {}
        answer = post(self.url, body, "application/json; charset=utf-8", (self.url, self.secret), headers)
        return scrub(answer[:200].decode("utf-8", "replace"), (self.url, self.secret)) or "ok"


def make_webhook(name: str, table: Mapping[str, object], environ: Mapping[str, str]) -> Webhook:
    config = Table(name, table, environ)
    config.check_keys((), ("url", "url_env", "allow_local", "secret", "secret_env", "max_file_mb"))
    return Webhook(name, config.url("url"), config.secret("secret", required=False),
                   config.number("max_file_mb", 2))
