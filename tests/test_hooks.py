"""The on_failure command of a schedule, run for real: what it is told, that data never becomes a command, and
that a hook which fails, hangs or cannot start is logged and never breaks the run."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from briefing.archive import hooks
from briefing.archive.schedules import load
from briefing.errors import UsageError

TZ = ZoneInfo("Asia/Shanghai")
HOSTILE = "模板第3行: 'x'; touch pwned1; $(touch pwned2) `touch pwned3` && rm -rf ~ | tee pwned4 > pwned5"


def failure(**changes) -> hooks.Failure:
    facts = dict(schedule="周报", template="weekly", period="2024-W03", region="扎赉特旗", region_code="152223",
                 report=7, attempt=1, error="no such name 本周", retry_at="2024-01-22T00:01:00+00:00",
                 failing_since="2024-01-22T00:00:00+00:00", due_at="2024-01-22T00:00:00+00:00")
    return hooks.Failure(**{**facts, **changes})


def env_writer(folder: Path) -> Path:
    """A real script that writes the BRIEFING_ variables it was given, and its arguments, to a JSON file."""
    script = folder / "notify.py"
    script.write_text("import json, os, sys\n"
                      "seen = {k: v for k, v in os.environ.items() if k.startswith('BRIEFING_')}\n"
                      "seen['argv'] = sys.argv[1:]\n"
                      "open(os.environ['OUT_FILE'], 'w', encoding='utf-8').write(json.dumps(seen, ensure_ascii=False))\n",
                      encoding="utf-8")
    return script


def test_the_hook_is_told_the_failure_in_variables_with_local_times(tmp_path, monkeypatch):
    monkeypatch.setenv("OUT_FILE", str(tmp_path / "seen.json"))
    script = env_writer(tmp_path)
    assert hooks.run(("python3", str(script), "值班 电话", "--to=ops"), failure(), TZ)
    seen = json.loads((tmp_path / "seen.json").read_text(encoding="utf-8"))
    assert seen["argv"] == ["值班 电话", "--to=ops"]
    assert {k: seen[k] for k in ("BRIEFING_SCHEDULE", "BRIEFING_PERIOD", "BRIEFING_REGION", "BRIEFING_REGION_CODE",
                                 "BRIEFING_ERROR", "BRIEFING_ATTEMPT", "BRIEFING_REPORT", "BRIEFING_EVENT")} == {
        "BRIEFING_SCHEDULE": "周报", "BRIEFING_PERIOD": "2024-W03", "BRIEFING_REGION": "扎赉特旗",
        "BRIEFING_REGION_CODE": "152223", "BRIEFING_ERROR": "no such name 本周", "BRIEFING_ATTEMPT": "1",
        "BRIEFING_REPORT": "7", "BRIEFING_EVENT": "failed"}
    assert seen["BRIEFING_RETRY_AT"] == "2024-01-22T08:01:00+08:00"           # the configured time zone
    assert seen["BRIEFING_FAILING_SINCE"] == seen["BRIEFING_DUE_AT"] == "2024-01-22T08:00:00+08:00"


def test_nothing_in_the_data_becomes_a_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUT_FILE", str(tmp_path / "seen.json"))
    script = env_writer(tmp_path)
    assert hooks.run(("python3", str(script)), failure(error=HOSTILE, region="$(touch pwned6)"), TZ)
    seen = json.loads((tmp_path / "seen.json").read_text(encoding="utf-8"))
    assert seen["BRIEFING_ERROR"] == HOSTILE and seen["BRIEFING_REGION"] == "$(touch pwned6)"
    assert not list(tmp_path.glob("pwned*"))


def test_a_hook_that_fails_is_logged_with_what_it_wrote(tmp_path, caplog):
    script = tmp_path / "broken.sh"
    script.write_text("#!/bin/sh\necho \"mail server refused: $BRIEFING_PERIOD\" >&2\nexit 3\n", encoding="utf-8")
    script.chmod(0o755)
    with caplog.at_level(logging.INFO, logger="briefing.archive.hooks"):
        assert hooks.run((str(script),), failure(), TZ) is False
    [record] = caplog.records
    assert record.levelname == "ERROR"
    assert record.getMessage() == ("on_failure of 周报 for report #7 exited with status 3; it wrote: "
                                   "mail server refused: 2024-W03")


def test_a_hook_that_cannot_start_is_logged(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="briefing.archive.hooks"):
        assert hooks.run((str(tmp_path / "no-such-notify"),), failure(), TZ) is False
    assert "could not start" in caplog.text and "no-such-notify" in caplog.text


def test_a_hook_that_hangs_is_stopped_with_what_it_started(tmp_path, caplog):
    script = tmp_path / "hang.sh"
    script.write_text(f"#!/bin/sh\nsleep 600 &\necho $! > {tmp_path}/child\necho waiting\nwait\n", encoding="utf-8")
    script.chmod(0o755)
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="briefing.archive.hooks"):
        assert hooks.run((str(script),), failure(), TZ, timeout=1) is False
    assert time.monotonic() - started < 30                     # stopped at its timeout, not after its sleep
    assert "was stopped after 1 s without finishing; it wrote: waiting" in caplog.text
    child = int((tmp_path / "child").read_text())
    assert stops(child)                                         # the sleep it started is stopped too


def stops(pid: int) -> bool:
    """The process ends (killed, it may take the kernel a moment to finish it); False after 10 s."""
    for _ in range(100):
        if not running(pid):
            return True
        time.sleep(0.1)
    return False


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")                              # a zombie has stopped; only its parent's wait is due


def test_the_command_is_split_like_shell_words_and_found_from_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "etc" / "briefing.toml"
    config.parent.mkdir()
    config.write_text("", encoding="utf-8")
    [schedule] = load([{"template": "weekly", "on_failure": "bin/notify.sh '值班 组' --urgent"}], config)
    assert schedule.on_failure == (str(tmp_path.resolve() / "etc" / "bin" / "notify.sh"), "值班 组", "--urgent")
    [dotted] = load([{"template": "weekly", "on_failure": "./notify.sh"}], "etc/briefing.toml")   # as --config gives it
    assert dotted.on_failure == (str(tmp_path.resolve() / "etc" / "notify.sh"),)
    assert load([{"template": "weekly", "on_failure": "logger -t briefing"}], config)[0].on_failure[0] == "logger"
    [listed] = load([{"template": "weekly", "on_failure": ["/usr/bin/logger", "-t", "briefing"]}], config)
    assert listed.on_failure == ("/usr/bin/logger", "-t", "briefing")
    assert load([{"template": "weekly"}], config)[0].on_failure == ()


@pytest.mark.parametrize("value, says", [
    ("notify.sh 'unclosed", "on_failure: \"notify.sh 'unclosed\": No closing quotation"),
    ("   ", "on_failure: empty"),
    ([], "on_failure: empty"),
    (3, "on_failure: 3 is not a list of names"),
])
def test_a_bad_hook_names_the_file_and_the_schedule(tmp_path, value, says):
    config = tmp_path / "briefing.toml"
    config.write_text(f"[[schedule]]\nname = \"周报\"\ntemplate = \"weekly\"\non_failure = {json.dumps(value)}\n",
                      encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load([{"name": "周报", "template": "weekly", "on_failure": value}], config)
    assert caught.value.message.startswith(f"{config}, line 4: [[schedule]] 周报: ")
    assert says in caught.value.message
    assert os.path.basename(str(config)) in caught.value.message
