"""Shared fixtures: real SQLite files in tmp_path, the real CLI, the sample database."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from briefing import demo, i18n
from briefing.cli import cli
from briefing.store.db import Store

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=TZ)
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

REGIONS = [["代码", "名称", "上级"], ["152200", "兴安盟", ""], ["152221", "科右前旗", "152200"],
           ["152222", "科右中旗", "152200"], ["152223", "扎赉特旗", "152200"]]
INDICATORS = [
    ["代码", "名称", "领域", "类型", "单位", "频率", "每", "地区汇总", "分子", "分母", "小数位"],
    ["patients", "诊疗患者人次", "医疗", "流量", "人次", "周", "", "", "", "", ""],
    ["grads", "毕业生人数", "教育", "流量", "人", "年", "", "", "", "", ""],
    ["employed", "就业人数", "教育", "流量", "人", "年", "", "", "", "", ""],
    ["emp_rate", "就业率", "教育", "比率", "%", "年", "", "", "employed", "grads", "2"],
    ["rice", "水稻亩产量", "科技", "单位水平", "公斤", "年", "亩", "最大", "", "", "1"],
    ["income", "带动企业增收", "科技", "流量", "元", "月", "", "", "", "", ""],
]


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture(autouse=True, scope="session")
def cache_folder(tmp_path_factory):
    """The compiled templates and the prepared reference document of the tests' processes (and of the `briefing`
    processes they start) in a folder of the test session, not the person's ~/.cache/briefing. One folder for the
    whole session, as one for a person's runs; tests of the cache itself set their own."""
    import os

    folder = tmp_path_factory.mktemp("cache")
    was = os.environ.get("BRIEFING_CACHE_DIR")
    os.environ["BRIEFING_CACHE_DIR"] = str(folder)
    yield folder
    if was is None:
        os.environ.pop("BRIEFING_CACHE_DIR", None)
    else:
        os.environ["BRIEFING_CACHE_DIR"] = was


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """English for every test: the tests written before the interface spoke Chinese assert its English messages,
    which are the msgids themselves, so they stay valid whatever the catalog says. BRIEFING_LANG is inherited by
    the `briefing` processes some tests start. tests/test_i18n.py takes it away to test the default, Chinese.
    Each test starts with no language chosen yet and without the LANGUAGE that i18n.use sets for click."""
    monkeypatch.setenv("BRIEFING_LANG", "en")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.setattr(i18n, "_active", None)


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "t.db") as s:
        yield s


@pytest.fixture
def catalog_store(store: Store, tmp_path: Path):
    """A store holding the test catalog: four regions and six indicators."""
    from briefing.ingest import ingest_files

    ingest_files(store, [write_csv(tmp_path / "regions.csv", REGIONS),
                         write_csv(tmp_path / "indicators.csv", INDICATORS)], TZ, now=NOW)
    return store


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """The demo database built from data/sample, once per test session."""
    return demo.build(tmp_path_factory.mktemp("sample") / "sample.db", TZ)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def run(runner: CliRunner, tmp_path: Path, monkeypatch):
    """Run `briefing ARGS...` in tmp_path against tmp_path/t.db; returns the click Result."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRIEFING_DB", raising=False)

    def invoke(*args: str, db: bool = True):
        argv = (["--db", str(tmp_path / "t.db")] if db else []) + list(args)
        return runner.invoke(cli, argv, catch_exceptions=False)
    return invoke
