"""What every request passes first (an ASGI middleware around the whole app): its body counted as it arrives,
so no one — signed in or not — makes the server read or spool more than a form needs (an upload: up to
max_upload_mb), whatever Content-Length says or whether it says anything; and the headers every answer carries
(no framing by other sites, no guessing of types, pages not kept in a shared computer's cache)."""

from __future__ import annotations

from ..errors import TooLarge

UPLOADS = ("/upload", "/api/uploads")
FORM_BYTES = 64 * 1024          # the most any other request's body (a form, a JSON request) may hold
HEADERS = ((b"x-frame-options", b"SAMEORIGIN"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin"))


class Guard:
    def __init__(self, app, max_upload_mb: int):
        self.app, self.max_upload_mb = app, max_upload_mb

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        upload = scope["path"] in UPLOADS
        most = self.max_upload_mb * 1024 * 1024 + FORM_BYTES if upload else FORM_BYTES
        said = dict(scope["headers"]).get(b"content-length", b"")
        received = int(said) if said.isdigit() and int(said) > most else 0     # refused at the first read

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > most:
                    raise TooLarge(self.max_upload_mb if upload else None)
            return message

        async def headed(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                headers += [(name, value) for name, value in HEADERS if name not in present]
                if (dict(headers).get(b"content-type") or b"").startswith(b"text/html"):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, counted, headed)
