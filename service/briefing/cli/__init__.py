"""The ``briefing`` command line (click), one module per group of commands; ``base`` holds the group,
its error handling and the helpers every command shares.

The top of the house: may import every wing. Commands stay thin; what they do lives in the wings. A command's
module, and the wings it uses, are imported when that command runs or shows its help: `briefing -h` lists the
commands from the table below (its text is the first paragraph of each command's help, the catalog's msgid;
tests/test_cli.py holds the two equal).
"""

import click

from .base import cli

COMMANDS = {
    "approvals": ("approval", "List the briefings waiting for sign-off (待审核), the one asked longest ago first: its "
                              "ID, template, period, region, version, schedule, when it was made and when sign-off "
                              "was asked. `briefing approve ID` signs one off; `briefing send-back ID -m REASON` "
                              "sends it back."),
    "approve": ("approval", "Sign off (签发) a briefing waiting for sign-off: who and when are kept in the ledger, and "
                            "it is queued for its schedule's recipients; `briefing deliver ID`, run-due or serve "
                            "sends it."),
    "archive": ("archive", "The archive of briefings made: list, show, verify, remake, prune."),
    "backfill": ("backfill", "Write the briefings of every period from --from to --to, for each region asked, into a "
                             "folder."),
    "backup": ("store", "Copy the database to DEST, consistent while the service runs (SQLite's online backup). "
                        "DEST may be a folder. The archive of briefings is files: copy its folder (archive_dir) "
                        "too."),
    "check": ("store", "Check the database page by page (SQLite's integrity check) and the archive against the "
                       "ledger (`briefing archive verify`). Exits 1 if either finds a problem."),
    "deliver": ("delivery", "Send an archived briefing now, to its schedule's recipients or to those given with --to, "
                            "and say what happened to each. A recipient it was sent to already is not sent it again. "
                            "Exits 1 if any was not sent."),
    "deliveries": ("delivery", "List the deliveries of briefings, the latest first: the briefing, the channel and "
                               "recipient, the state (待发送, 发送中, 已发送, 失败), the attempts, when it was sent or "
                               "is tried next, and the last error. `briefing deliveries retry` sends failed ones "
                               "again."),
    "demo": ("data", "Build a fresh database from the sample data (data/sample) and print the latest figures."),
    "form": ("form", "Write the fill-in form (填报表, .xlsx) of a period: a row for each figure the regions "
                     "report at its frequency, units shown, 地区 as a drop-down, the rest locked. Import it "
                     "filled with `briefing ingest`."),
    "generate": ("documents", "Write a briefing: a Word document (and HTML, PDF) from a template and the figures."),
    "indicators": ("data", "List the indicators: code, name, domain, kind, unit, frequency and how they add up."),
    "ingest": ("data", "Import CSV, Excel (.xlsx, .xls), WPS (.et) or JSON files: catalogs (regions, indicators)"
                       " and figures (observations, highlights, records), each told by its columns. A sheet may "
                       "have title rows and notes below it, and a column per indicator. Nothing is written "
                       "unless every row is valid."),
    "init": ("data", "Create an empty database (or bring an old one up to date)."),
    "observations": ("data", "List figures by indicator, region and period, as of a moment."),
    "regions": ("data", "List the regions and their hierarchy (totals roll up to the parent)."),
    "retry": ("runs", "Try failed (or waiting) scheduled briefings again now, without waiting for their next "
                      "try, and say what happened to each. Exits 1 if any failed again."),
    "run-due": ("schedule", "Make every briefing the schedules owe, then exit (for cron or a systemd timer)."),
    "runs": ("runs", "List the latest briefings made, failed or waiting, the latest first: the result, when "
                     "the last attempt began and how long it took, the attempts, when it is tried again, and "
                     "the error in words."),
    "schedules": ("schedule", "List the schedules of the config file, with their next runs and what the ledger holds."),
    "send-back": ("approval", "Send back (退回) a briefing waiting for sign-off, with the reason: it is not "
                              "delivered, and its schedule's notify_failure_to is told who sent it back and why. Its "
                              "correction is a new version (`briefing archive remake ID --current`), asked for "
                              "sign-off in its turn."),
    "serve": ("schedule", "Run the schedules and serve the web pages and the HTTP API in this process until stopped "
                          "(SIGTERM or Ctrl-C)."),
    "templates": ("documents", "List the briefing templates and their options."),
    "user": ("web", "Passwords and API tokens of the people who use the web pages and the API ([users.LOGIN] in "
                    "the config)."),
    "web": ("web", "Serve the web pages and the HTTP API (without running the schedules) until stopped."),
}
cli.lazy.update(COMMANDS)


def main() -> None:
    cli(prog_name="briefing")


def load_all() -> dict:
    """Every command, each module imported (for the tests and tools that walk the whole tree)."""
    ctx = click.Context(cli, info_name="briefing")
    return {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}


__all__ = ["COMMANDS", "cli", "load_all", "main"]
