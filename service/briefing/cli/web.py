"""Commands of the web pages and the API: web (the pages alone) and user (passwords and API tokens for the
[users.LOGIN] tables); `briefing serve` runs the pages beside the schedules (cli/schedule.py)."""

from __future__ import annotations

import click

from ..errors import UsageError
from ..i18n import _
from .base import CONTEXT, cli, open_store


def host_port(function):
    function = click.option("--port", type=click.IntRange(0, 65535), default=None,
                            help="The port to listen on [default: the web_port setting, 8000].")(function)
    return click.option("--host", default=None,
                        help="The address to listen on [default: the web_host setting, 127.0.0.1].")(function)


def run_web(ctx: click.Context, host: str | None, port: int | None, service=None, schedules=None) -> None:
    """Serve the pages and the API (with a scheduler service beside them, when given)."""
    from ..web.server import serve
    from .base import tz_of
    from .schedule import decisions_to_stderr

    s = ctx.obj["settings"]
    with open_store(ctx):    # a missing database is a wrong path, said before listening
        pass
    decisions_to_stderr(tz_of(ctx))
    serve(s, schedules or [], host or s.web_host, s.web_port if port is None else port, service)


@cli.command(context_settings=CONTEXT)
@host_port
@click.pass_context
def web(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the web pages and the HTTP API (without running the schedules) until stopped.

    People sign in as the [users.LOGIN] tables of the config file say (docs/web.md); programs send an API token.

    \b
    Example:
      briefing --config briefing.toml web --port 8080
    """
    from .schedule import load_schedules

    s = ctx.obj["settings"]
    run_web(ctx, host, port, schedules=load_schedules(ctx) if s.sections.get("schedule") else [])


@cli.group(context_settings=CONTEXT)
def user() -> None:
    """Passwords and API tokens of the people who use the web pages and the API ([users.LOGIN] in the config).

    \b
    Example:
      briefing user password zhangsan
      briefing user token zhangsan
    """


@user.command(context_settings=CONTEXT)
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def password(login: str, password_stdin: bool) -> None:
    """Print the password_hash line (argon2) for a user's table; the password is asked for twice.

    \b
    Example:
      briefing user password zhangsan >> briefing.toml
    """
    from ..web.users import hash_password

    if password_stdin:
        said = click.get_text_stream("stdin").readline().rstrip("\n")
    else:
        said = click.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Repeat it"), err=True)
    if len(said) < 8:
        raise UsageError(_("the password is shorter than 8 characters"), _("Choose a longer one."))
    click.echo(f"[users.{login}]")
    click.echo(f'password_hash = "{hash_password(said)}"')


@user.command(context_settings=CONTEXT)
@click.argument("login")
def token(login: str) -> None:
    """Make an API token for a user: the token (give it to the program, it is shown only now) and the token_hash
    line for the user's table.

    \b
    Example:
      briefing user token statistics-bureau
    """
    from ..web.users import new_token

    made, digest = new_token()
    click.echo(_("token (shown only now): {token}").format(token=made), err=True)
    click.echo(f"[users.{login}]")
    click.echo(f'token_hash = "{digest}"')
