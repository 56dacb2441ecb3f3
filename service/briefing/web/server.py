"""Running the web app on uvicorn, alone (`briefing web`) or beside the scheduler (`briefing serve`): one process,
the scheduler in a background thread; SIGTERM or Ctrl-C stops the server, lets the step in progress finish and
the briefings being made for people finish, then exits."""

from __future__ import annotations

import logging
import signal

from ..archive.schedules import Schedule
from ..errors import UsageError
from ..i18n import _
from ..settings import Settings

log = logging.getLogger(__name__)


def _stopping(signum: int, frame) -> None:
    """What a stop signal does once the web server has stopped on it: nothing more (the scheduler's step in
    progress, and the briefings being made for people, finish before the process exits 0)."""
    log.info("stopping (%s); the work in progress finishes first", signal.Signals(signum).name)


def serve(settings: Settings, schedules: list[Schedule], host: str, port: int, service=None) -> None:
    """Serve the pages and the API until stopped; with a scheduler service, run it beside them."""
    import uvicorn

    from .app import create_app

    app = create_app(settings, schedules)
    if not app.state.web.users:
        log.warning("no [users] in %s: no one can sign in to the pages (docs/web.md)", settings.path or "config")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off",
                            server_header=False)
    server = uvicorn.Server(config)
    if service is not None:
        service.start(block=False)
    log.info("web pages and API at http://%s:%d/ (database %s)", host, port, settings.db)
    for sig in (signal.SIGTERM, signal.SIGINT):    # uvicorn stops on them, then hands them on here
        signal.signal(sig, _stopping)
    try:
        server.run()
    except SystemExit as exc:
        raise UsageError(_("cannot listen on {host}:{port}").format(host=host, port=port),
                         _("Another program may use the port; choose another with --port.")) from exc
    finally:
        if service is not None:
            service.stop()
        app.state.web.jobs.stop()
        log.info("stopped")
