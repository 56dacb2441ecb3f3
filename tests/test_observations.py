"""Reading figures back: revisions as of a moment, roll-ups over the hierarchy, totals over spans."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from conftest import NOW, TZ, write_csv

from briefing.figures.period_text import parse_period
from briefing.figures.periods import Span
from briefing.ingest import ingest_files
from briefing.store.facts import gather
from briefing.store.observations import FAR_FUTURE, Observations, key_range

HEAD = ["指标", "地区", "期间", "数值", "录入时间"]


def utc(text: str) -> str:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(timezone.utc).isoformat()


@pytest.fixture
def history(catalog_store, tmp_path):
    """Weekly figures for two banners, and a correction of one of them a few days later."""
    ingest_files(catalog_store, [write_csv(tmp_path / "a.csv", [
        HEAD,
        ["patients", "扎赉特旗", "2024-W01", "190", "2024-01-08 09:00"],
        ["patients", "扎赉特旗", "2024-W02", "211", "2024-01-15 09:00"],
        ["patients", "科右前旗", "2024-W01", "30", "2024-01-08 09:00"],
        ["patients", "科右前旗", "2024-W02", "32", "2024-01-15 09:00"],
        ["patients", "扎赉特旗", "2023-W02", "180", "2023-01-16 09:00"],
        ["grads", "科右前旗", "2023", "142", "2023-09-15 10:00"],
        ["grads", "扎赉特旗", "2023", "139", "2023-09-15 10:00"],
        ["employed", "科右前旗", "2023", "141", "2023-09-15 10:00"],
        ["employed", "扎赉特旗", "2023", "138", "2023-09-15 10:00"],
        ["rice", "扎赉特旗", "2023", "761.5", "2023-10-20 10:00"],
        ["rice", "科右前旗", "2023", "702.4", "2023-10-20 10:00"],
    ])], TZ, now=NOW)
    ingest_files(catalog_store, [write_csv(tmp_path / "b.csv", [
        HEAD, ["patients", "扎赉特旗", "2024-W01", "196", "2024-01-19 16:30"]])], TZ, now=NOW)
    return Observations(catalog_store.db)


def test_as_of_sees_the_revision_recorded_by_then(history):
    before = history.series("patients", "152223", as_of=utc("2024-01-17T23:59"))
    after = history.series("patients", "152223")
    assert [(f.period.key, f.value, f.revision) for f in before] == [
        ("2023-W02", 180, 1), ("2024-W01", 190, 1), ("2024-W02", 211, 1)]
    assert [(f.period.key, f.value, f.revision) for f in after][1] == ("2024-W01", 196, 2)


def test_as_of_before_a_figure_was_recorded_does_not_see_it(history):
    figures = history.series("patients", "152223", as_of=utc("2024-01-10T00:00"))
    assert [f.period.key for f in figures] == ["2023-W02", "2024-W01"]


def test_a_parent_without_figures_shows_the_sum_of_its_children(history):
    league = history.series("patients", "152200", as_of=utc("2024-01-17T23:59"))
    assert [(f.period.key, f.value, f.derived) for f in league] == [
        ("2023-W02", 180, True), ("2024-W01", 220, True), ("2024-W02", 243, True)]


def test_a_rate_rolls_up_as_the_ratio_of_sums_not_the_mean_of_rates(history):
    rate = history.latest("emp_rate", "152200")
    assert rate.value == Decimal(279) / Decimal(281) * 100  # (141+138)/(142+139), not mean(99.30, 99.28)
    assert str(rate.value.quantize(Decimal("0.01"))) == "99.29"


def test_no_rate_without_a_positive_denominator_in_listings_and_briefings_alike(history, catalog_store, tmp_path):
    ingest_files(catalog_store, [write_csv(tmp_path / "z.csv", [
        HEAD, *([ind, banner, "2022", "0", "2022-09-15 10:00"] for ind in ("grads", "employed")
                for banner in ("扎赉特旗", "科右前旗"))])], TZ, now=NOW)
    obs = Observations(catalog_store.db)
    assert [f.period.key for f in obs.series("emp_rate", "152200")] == ["2023"]      # 0/0 is no rate
    assert "emp_rate" not in gather(catalog_store.db, "152200", parse_period("2022")).facts
    assert gather(catalog_store.db, "152200", parse_period("2023"))["emp_rate"].value == Decimal(279) / 281 * 100


def test_a_figure_of_the_parent_itself_wins_over_the_roll_up(history, catalog_store, tmp_path):
    ingest_files(catalog_store, [write_csv(tmp_path / "c.csv", [HEAD, ["就业率", "兴安盟", "2023", "99.25", ""]])],
                 TZ, now=NOW)
    assert Observations(catalog_store.db).latest("emp_rate", "152200").value == Decimal("99.25")


def test_per_unit_levels_roll_up_by_their_own_rule(history):
    assert history.latest("rice", "152200").value == Decimal("761.5")  # 地区汇总 = 最大


def test_total_over_a_span_for_a_flow(history):
    span = Span("week", parse_period("2024-W01"), parse_period("2024-W02"))
    assert history.total("patients", "152200", span) == 196 + 211 + 30 + 32
    assert history.total("patients", "152200", span, as_of=utc("2024-01-17T23:59")) == 190 + 211 + 30 + 32


@pytest.mark.parametrize("kind, start, end, expected", [
    ("week", date(2024, 1, 3), date(2024, 1, 14), ("2024-W01", "2024-W02")),
    ("week", date(2024, 1, 3), date(2024, 1, 13), ("2024-W01", "2024-W01")),  # W02 ends on the 14th
    ("month", date(2024, 1, 1), date(2024, 3, 31), ("2024-01", "2024-03")),
    ("year", None, date(2024, 6, 30), (None, "2023")),
    ("day", date(2024, 2, 29), None, ("2024-02-29", None)),
])
def test_key_range(kind, start, end, expected):
    assert key_range(kind, start, end) == expected


def test_far_future_is_after_any_recorded_time():
    assert FAR_FUTURE > datetime(9999, 1, 1, tzinfo=timezone.utc).isoformat()


def test_a_chain_of_corrections_each_valid_in_its_own_time(catalog_store, tmp_path):
    for n, (value, when) in enumerate([("5", "2024-01-15 09:00"), ("6", "2024-01-19 16:30"), ("7", "2024-02-01 08:00")]):
        ingest_files(catalog_store, [write_csv(tmp_path / f"{n}.csv", [HEAD, ["patients", "扎赉特旗", "2024-W02", value,
                                                                              when]])], TZ, now=NOW)
    obs = Observations(catalog_store.db)
    seen = {t: [(f.value, f.revision) for f in obs.series("patients", "152223", as_of=utc(t))]
            for t in ("2024-01-15T08:00", "2024-01-16T00:00", "2024-01-20T00:00", "2024-02-02T00:00")}
    assert seen == {"2024-01-15T08:00": [], "2024-01-16T00:00": [(5, 1)], "2024-01-20T00:00": [(6, 2)],
                    "2024-02-02T00:00": [(7, 3)]}
    rows = catalog_store.db.execute("SELECT revision, value, superseded_at FROM observations ORDER BY revision").fetchall()
    assert [(r, v) for r, v, _ in rows] == [(1, 5.0), (2, 6.0), (3, 7.0)]  # every figure kept as it was
    assert rows[0][2] == utc("2024-01-19T16:30") and rows[2][2] is None


def test_a_roll_up_missing_a_child_says_so(history):
    league = {f.period.key: f for f in history.series("patients", "152200")}
    assert league["2024-W02"].coverage == (2, 3) and league["2024-W02"].partial  # 科右中旗 gave no figure


def test_the_command_line_marks_partial_roll_ups_and_rounds_rates(history, catalog_store, runner):
    from briefing.cli import cli

    out = runner.invoke(cli, ["--db", str(catalog_store.path), "observations", "-r", "兴安盟", "-f", "csv"]).output
    assert "诊疗患者人次,兴安盟,2024-W02,243,人次,汇总 2/3," in out
    assert "就业率,兴安盟,2023,99.29,%,汇总 2/3," in out  # 279/281, rounded to the rate's two places
