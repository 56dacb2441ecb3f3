"""What the channel kinds share: reading a [channels.NAME] table (keys checked, secrets from the environment
or inline, https-only addresses) and posting to an HTTP endpoint with the failure sorted into transient or
permanent. Secrets never reach a message: the address of an endpoint is shown by its host alone, and any
secret text an answer echoes is replaced by ***."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from ..errors import UsageError
from ..i18n import _, shown
from .channel import DeliveryFailed

TIMEOUT = 30          # seconds for one HTTP request or SMTP connection
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Table:
    """A channel's table as its factory reads it: each getter names the channel and key in its error."""
    channel: str
    values: Mapping[str, object]
    environ: Mapping[str, str]

    def check_keys(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        known = ("kind",) + required + optional
        for key in self.values:
            if key not in known:
                raise self.error(_("unknown key '{key}' (it takes: {keys})").format(
                    key=shown(key), keys=", ".join(known)))
        for key in required:
            if key not in self.values:
                raise self.error(_("the key '{key}' is missing").format(key=key))

    def error(self, message: str) -> UsageError:
        return UsageError(_("channel '{channel}': {message}").format(channel=shown(self.channel), message=message),
                          _("Correct the [channels] table of the config file (docs/delivery.md, 'Channels')."))

    def text(self, key: str, default: str | None = None) -> str:
        value = self.values.get(key, default)
        if not isinstance(value, str) or (value == "" and default is None):
            raise self.error(_("'{key}' must be text").format(key=key))
        return value

    def number(self, key: str, default: float) -> float:
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.error(_("'{key}' must be a number above 0").format(key=key))
        return value

    def flag(self, key: str) -> bool:
        value = self.values.get(key, False)
        if not isinstance(value, bool):
            raise self.error(_("'{key}' must be true or false").format(key=key))
        return value

    def secret(self, key: str, required: bool = True) -> str:
        """A secret given inline as KEY or, better, as KEY_env naming an environment variable."""
        inline, variable = key in self.values, f"{key}_env" in self.values
        if inline and variable:
            raise self.error(_("give '{key}' or '{key}_env', not both").format(key=key))
        if variable:
            name = self.text(f"{key}_env")
            if not self.environ.get(name):
                raise self.error(_("the environment variable {variable} named by '{key}_env' is not set").format(
                    variable=name, key=key))
            return self.environ[name]
        if inline:
            return self.text(key)
        if required:
            raise self.error(_("give '{key}' or '{key}_env'").format(key=key))
        return ""

    def url(self, key: str) -> str:
        """An https address, or http to 127.0.0.1/localhost when allow_local = true."""
        value = self.secret(key)
        parts = urlsplit(value)
        local = self.flag("allow_local") and parts.hostname in LOCAL_HOSTS
        if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
            raise self.error(_("'{key}' must be an https:// address (http:// only to 127.0.0.1 or localhost, with "
                               "allow_local = true)").format(key=key))
        return value


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """The text with every secret (of at least 4 characters) replaced by ***."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed: urllib would repeat a POST as a GET without its body, and the message
    would be lost while the answer looked like success. The 3xx is a failure to correct in the config."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def post(url: str, body: bytes, content_type: str, secrets: tuple[str, ...],
         headers: Mapping[str, str] | None = None) -> bytes:
    """POST and return the answer's body; DeliveryFailed naming the host only (the address holds the token):
    transient for 429, 5xx and a server that cannot be reached, permanent for any other refusal."""
    host = urlsplit(url).hostname or ""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": content_type, **(headers or {})})
    try:
        with OPENER.open(request, timeout=TIMEOUT) as answer:
            return answer.read()
    except urllib.error.HTTPError as e:
        transient = e.code == 429 or e.code >= 500
        message = _("{host} answered HTTP {status}").format(host=host, status=e.code)
    except (urllib.error.URLError, OSError) as e:
        transient = True
        reason = getattr(e, "reason", e)
        message = _("cannot reach {host}: {reason}").format(host=host, reason=scrub(str(reason), secrets))
    except (http.client.HTTPException, ValueError) as e:    # an address that cannot be sent to (a space in it …):
        transient = False                                   # its message quotes the whole address, so not shown
        message = _("cannot send to {host}: {reason}").format(host=host, reason=e.__class__.__name__)
    raise DeliveryFailed(message, permanent=not transient)


def post_json(url: str, payload: object, secrets: tuple[str, ...]) -> dict:
    """POST a JSON body; the answer read as a JSON object ({} when it is not one)."""
    return as_json(post(url, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                        "application/json; charset=utf-8", secrets))


def as_json(answer: bytes) -> dict:
    """An answer's body read as a JSON object ({} when it is not one)."""
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
