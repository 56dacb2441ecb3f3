"""Finding archived briefings (archive/search.py, `briefing archive list --search`): filters by template, region,
period range and status, each alone and together; words in titles and in the text, % and _ as themselves;
newest first, a page at a time; the text of briefings archived before it was kept, read from their files.

Real briefings made by `briefing run-due` from the sample office and from one generated here that shares no
name with it (tests/other_office.py)."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from other_office import BANNERS, TOP, write_office

from briefing.archive.folders import Archive
from briefing.archive.search import find, like, text_of, title_of
from briefing.cli import cli
from briefing.errors import UsageError
from briefing.figures.period_text import parse_period
from briefing.store.db import Store


@dataclass(frozen=True)
class Site:
    """A folder with a database, its archive of briefings and the config that made them."""

    folder: Path
    league: str
    banner: str
    weeks: tuple[str, ...]        # the weeks made, oldest first
    month: str                    # a month made, of the league only

    @property
    def db(self) -> Path:
        return self.folder / "briefing.db"

    @property
    def archive(self) -> Archive:
        return Archive(self.folder / "archive")

    def store(self) -> Store:
        return Store(self.db, create=False)

    def briefing(self, *args: str) -> str:
        result = CliRunner().invoke(cli, ["--lang", "en", "--config", str(self.folder / "briefing.toml"), *args],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def copy(self, to: Path) -> "Site":
        shutil.copytree(self.folder, to)
        config = (to / "briefing.toml").read_text(encoding="utf-8").replace(str(self.folder), str(to))
        (to / "briefing.toml").write_text(config, encoding="utf-8")
        return Site(to, self.league, self.banner, self.weeks, self.month)


def make_site(folder: Path, league: str, banner: str, week_start: str, month_start: str, now: str) -> None:
    (folder / "briefing.toml").write_text(
        f'db = "{folder}/briefing.db"\narchive_dir = "{folder}/archive"\n\n'
        f'[[schedule]]\nname = "周报"\ntemplate = "weekly"\nregions = ["{league}", "{banner}"]\nstart = {week_start}\n\n'
        f'[[schedule]]\nname = "月报"\ntemplate = "monthly"\nregions = ["{league}"]\nstart = {month_start}\n',
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(folder / "briefing.toml"), "run-due", "--now", now],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def sites(tmp_path_factory, sample_db) -> dict[str, Site]:
    """The sample office's weekly briefings of 2024-W01…W03 (兴安盟, 扎赉特旗) and monthly of 2023-11, 2023-12;
    the generated office's weekly of 2024-W10…W12 (a city and a banner; W13 waits for figures) and monthly of
    2024-03."""
    sample = tmp_path_factory.mktemp("sample-site")
    shutil.copy(sample_db, sample / "briefing.db")
    make_site(sample, "兴安盟", "扎赉特旗", "2024-01-01", "2023-11-01", "2024-01-22T10:00+08:00")
    other = tmp_path_factory.mktemp("other-site")
    files = write_office(other / "in")
    with Store(other / "briefing.db"):
        pass
    result = CliRunner().invoke(cli, ["--db", str(other / "briefing.db"), "ingest", *map(str, files)])
    assert result.exit_code == 0, result.output
    make_site(other, TOP, BANNERS[0], "2024-03-04", "2024-03-01", "2024-04-02T10:00+08:00")
    return {"sample": Site(sample, "兴安盟", "扎赉特旗", ("2024-W01", "2024-W02", "2024-W03"), "2023-12"),
            "other": Site(other, TOP, BANNERS[0], ("2024-W10", "2024-W11", "2024-W12"), "2024-03")}


@pytest.fixture(params=["sample", "other"])
def site(request, sites) -> Site:
    return sites[request.param]


def code_of(store: Store, name: str) -> str:
    return store.db.execute("SELECT code FROM regions WHERE name = ?", [name]).fetchone()[0]


def keys(found) -> list[tuple[str, str, str]]:
    return [(r.template, r.period, r.region_name) for r in found]


def matching(store: Store, words: list[str]) -> set[int]:
    """The oracle: the briefings whose title or text holds every word, by Python's `in`."""
    ids = [row[0] for row in store.db.execute("SELECT id FROM reports")]
    return {i for i in ids if title_of(store, i) is not None
            and all(w in title_of(store, i) or w in text_of(store, i) for w in words)}


# --- newest first, each briefing with its title ----------------------------------------------------------------

def test_every_briefing_newest_first_with_the_title_its_document_carries(site):
    with site.store() as store:
        found, total = find(store, limit=None)
        assert total == len(found) == store.db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        ends = [parse_period(r.period).end for r in found]
        assert ends == sorted(ends, reverse=True)
        weekly = [r for r in found if r.template == "weekly" and r.status == "done"]
        assert [r.period for r in weekly[::2]] == list(reversed(site.weeks))
        # one period: the banner's, made after the league's in the same run, first
        assert [r.region_name for r in weekly[:2]] == [site.banner, site.league]
        for r in found:
            assert r.status != "done" or r.title == title_of(store, r.id)
        latest = weekly[0]
        label = f"{latest.period[:4]}年第{int(latest.period[-2:])}周"
        assert latest.title.startswith(site.banner) and latest.title.endswith(f"周报（{label}）")
        assert text_of(store, latest.id).startswith(latest.title + "\n")


# --- filters, alone and together ---------------------------------------------------------------------------------

def test_each_filter_alone(site):
    with site.store() as store:
        every, total = find(store, limit=None)
        banner = code_of(store, site.banner)
        by_template = keys(find(store, template="monthly", limit=None)[0])
        assert by_template == [k for k in keys(every) if k[0] == "monthly"] and by_template
        assert keys(find(store, region=banner, limit=None)[0]) == [k for k in keys(every) if k[2] == site.banner]
        first, last = site.weeks[1], site.weeks[2]
        within = keys(find(store, first=first, last=last, limit=None)[0])
        assert within == [k for k in keys(every) if k[1] in (first, last)]
        done = keys(find(store, status="done", limit=None)[0])
        assert done == [keys([r])[0] for r in every if r.status == "done"]
        assert find(store, template="no-such-template")[1] == 0


def test_a_month_as_the_range_takes_its_weeks_as_archive_list_from_to_does(site):
    with site.store() as store:
        month = site.weeks[-1][:4] + "-" + f"{parse_period(site.weeks[-1]).start.month:02d}"
        found, _ = find(store, first=month, last=month, limit=None)
        month_period = parse_period(month)
        assert found and all(month_period.start <= parse_period(r.period).start and
                             parse_period(r.period).end <= month_period.end for r in found)
        assert set(r.id for r in found) == {r.id for r in _listed(site, "--from", month, "--to", month)}


def test_filters_together(site):
    with site.store() as store:
        league = code_of(store, site.league)
        found, total = find(store, template="weekly", region=league, first=site.weeks[1], status="done", limit=None)
        assert keys(found) == [("weekly", w, site.league) for w in reversed(site.weeks[1:])] and total == 2
        found, total = find(store, template="monthly", region=code_of(store, site.banner))
        assert (found, total) == ([], 0)


def test_a_period_that_cannot_be_read_is_a_usage_error(site):
    with site.store() as store, pytest.raises(UsageError) as caught:
        find(store, first="第三周")
    assert "--from/--to: unrecognized period '第三周'" in caught.value.message


# --- words in titles and text -------------------------------------------------------------------------------------

def title_stem(store: Store, site: Site) -> str:
    """The banner's weekly title without its period (扎赉特旗干部人才“组团式”帮扶工作周报), which no other says."""
    [latest] = find(store, template="weekly", region=code_of(store, site.banner), status="done", limit=1)[0]
    assert latest.title
    return latest.title.split("（")[0]


def test_words_in_the_title(site):
    with site.store() as store:
        stem = title_stem(store, site)
        found, total = find(store, text=stem, limit=None)
        assert total == len(site.weeks) and {r.region_name for r in found} == {site.banner}
        assert all(r.title.startswith(stem) for r in found) and {r.id for r in found} == matching(store, [stem])
        found, total = find(store, text=f"{site.banner} 周报", limit=None)      # the league's text names the banner
        assert {r.id for r in found} == matching(store, [site.banner, "周报"]) and total > len(site.weeks)
        assert {r.template for r in found} == {"weekly"}


def test_words_only_in_the_text(site):
    """A phrase the league's latest weekly says in its text and no title says: found by it, with the filters."""
    with site.store() as store:
        league = code_of(store, site.league)
        [latest, *_] = find(store, template="weekly", region=league, status="done")[0]
        phrase = next(line for line in text_of(store, latest.id).splitlines() if line.startswith("本周，"))[:12]
        assert phrase not in latest.title
        found, total = find(store, text=phrase, limit=None)
        assert latest.id in {r.id for r in found} and {r.id for r in found} == matching(store, [phrase])
        assert find(store, text=phrase, region=league, template="weekly")[0][0].id == latest.id
        assert find(store, text=f"{phrase} 没有这样的字")[1] == 0


@pytest.mark.parametrize("query", ["%", "_", "%人", "1_%", "增长_", "\\", "100%", "7.9%"])
def test_percent_and_underscore_mean_themselves(site, query):
    """LIKE's wildcards are escaped: unescaped, '%人' would find every briefing saying 人, '_' every one."""
    with site.store() as store:
        found, total = find(store, text=query, limit=None)
        assert {r.id for r in found} == matching(store, [query]) and total == len(found)
        if query in ("_", "%人"):
            assert total < find(store, text="人")[1]


def test_like_escapes_its_wildcards_and_its_escape():
    assert like("10%_a\\b") == "%10\\%\\_a\\\\b%"


# --- pages ----------------------------------------------------------------------------------------------------------

def test_pages_in_order_add_up_to_the_whole(site):
    with site.store() as store:
        every, total = find(store, limit=None)
        pages = [find(store, limit=3, offset=start) for start in range(0, total + 3, 3)]
        assert all(count == total for _, count in pages)
        assert [r.id for page, _ in pages for r in page] == [r.id for r in every]
        assert pages[-1][0] == [] and len(pages[0][0]) == 3


# --- briefings archived before their text was kept -------------------------------------------------------------

def forget_texts(site: Site) -> dict[int, tuple[str, str]]:
    """The database as a version before m012 left it: no report_text table; then opened, which makes it empty.
    The texts it held, by report."""
    with sqlite3.connect(site.db) as conn:
        kept = {r: (t, b) for r, t, b in conn.execute("SELECT report, title, body FROM report_text")}
        conn.execute("DROP TABLE report_text")
        conn.execute("DELETE FROM _migrations WHERE name = 'm012_report_text'")
    conn.close()
    return kept


def test_briefings_archived_before_are_read_from_their_files_on_the_first_search(site, tmp_path):
    site = site.copy(tmp_path / "site")
    kept = forget_texts(site)
    with site.store() as store:
        assert store.db.execute("SELECT COUNT(*) FROM report_text").fetchone()[0] == 0
        assert find(store, text=site.banner)[1] == 0                        # without the archive: not known yet
        assert {r.title for r in find(store, limit=None)[0]} == {""}
        assert title_of(store, min(kept)) is None
        found, total = find(store, text=site.banner, archive=site.archive, limit=None)
        assert total > len(site.weeks) and {r.id for r in found} == matching(store, [site.banner])
        assert all(r.title for r in found)
        now = {r: (t, b) for r, t, b in store.db.execute("SELECT report, title, body FROM report_text")}
    assert now == kept           # read from the files: the same as kept when they were archived


def test_a_changed_or_missing_file_is_left_unread_and_the_others_are_read(site, tmp_path):
    site = site.copy(tmp_path / "site")
    forget_texts(site)
    with site.store() as store:
        rows = store.db.execute("SELECT report, path FROM report_files WHERE format = 'docx' ORDER BY report").fetchall()
        (changed, changed_path), (missing, missing_path) = rows[0], rows[1]
        site.archive.path(changed_path).write_bytes(site.archive.path(rows[2][1]).read_bytes())
        site.archive.path(missing_path).unlink()
        assert title_of(store, changed, site.archive) is None and text_of(store, missing, site.archive) is None
        assert title_of(store, rows[2][0], site.archive)
        find(store, archive=site.archive)
        read = {r for (r,) in store.db.execute("SELECT report FROM report_text")}
    assert read == {r for r, _ in rows} - {changed, missing}


def test_archive_list_search_reads_old_briefings_and_combines_with_the_filters(site, tmp_path):
    site = site.copy(tmp_path / "site")
    with site.store() as store:
        stem = title_stem(store, site)
    forget_texts(site)
    listed = _listed(site, "--search", stem)
    assert [r.period for r in listed] == list(site.weeks)              # archive list: oldest period first
    listed = _listed(site, "--search", "周报", "-r", site.league, "--from", site.weeks[-1])
    assert [(r.period, r.region_name) for r in listed] == [(site.weeks[-1], site.league)]
    assert _listed(site, "--search", "没有这样的字") == []


def test_a_new_version_is_found_by_its_own_text(site, tmp_path):
    site = site.copy(tmp_path / "site")
    with site.store() as store:
        [original] = find(store, template="weekly", region=code_of(store, site.banner), first=site.weeks[0],
                          last=site.weeks[0])[0]
    site.briefing("archive", "remake", str(original.id), "--current")
    with site.store() as store:
        found, total = find(store, template="weekly", text=original.title, limit=None)
        assert [(r.period, r.version) for r in found][:2] == [(site.weeks[0], 2), (site.weeks[0], 1)]
        assert text_of(store, found[0].id) is not None and found[0].title


def _listed(site: Site, *args: str) -> list:
    """The briefings `briefing archive list ARGS -f json` shows, in its order."""
    import json

    shown = [row["编号"] for row in json.loads(site.briefing("archive", "list", *args, "-f", "json"))]
    with site.store() as store:
        by_id = {r.id: r for r in find(store, limit=None)[0]}
    return [by_id[n] for n in shown]
