"""Pages from the Jinja templates of web/templates/, in the interface's language (the same gettext catalog as the
command line: {{ _("…") }} in a template), with what every page needs: the person signed in, the CSRF token
of its forms, the navigation."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from ..i18n import _, ngettext
from .access import csrf_token, current_user

TEMPLATES = Path(__file__).parent / "templates"
NAVIGATION = (("/", "Archive"), ("/make", "Make one now"), ("/upload", "Upload figures"),
              ("/approvals", "Approval"), ("/metrics", "Metrics"), ("/schedules", "Schedules"))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             extensions=["jinja2.ext.i18n"],
                             trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(lambda text: _(text), lambda s, p, n: ngettext(s, p, n), newstyle=True)
    return env


def page(request: Request, name: str, values: dict, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    user = current_user(request)
    context = {"user": user, "csrf": csrf_token(request) if user and "session" in request.scope else "",
               "path": request.url.path,
               "navigation": NAVIGATION, **values}
    html = environment().get_template(name).render(context)
    return HTMLResponse(html, status_code=status, headers=headers)
