"""The HTML report (`python -m graders report`): one page a learner opens in a browser.

Structure tests parse the page with html.parser and always run. Browser tests open it
in headless Chromium and check what the page *shows* once rendered (texts visible, the
timeline's bars where they belong, colours readable, nothing fetched, a screenshot that
is not blank); without Chromium they are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from graders import FakeService, expect, report_html, timeline_svg, timing_chart
from graders.catalog import select
from graders.clock import Limits, VirtualTimeLoop
from graders.errors import KataFailure
from graders.runner import Runner
from graders.scoring import Grade, KataResult
from graders.scoring import TestResult as Result
from graders.timeline import Span

from .conftest import FIXTURES, ROOT

MARKUP = "<script>alert('hi')</script> & </pre><b>bold</b>"


# -- a grade with every kind of kata --------------------------------------------------------
@pytest.fixture(scope="module")
def grade(catalog, probe, tmp_path_factory) -> Grade:
    """01 missing (error), 02 solved, 03 serial (a timing failure), 04 skipped, 05 the
    stub (not started), the probe returning at once (a timing failure with no fake), and
    a kata whose title and message are full of markup."""
    source = tmp_path_factory.mktemp("submission")
    for kata, impl in (
        ("02_overlap_two", ROOT / "solutions/02_overlap_two/kata.py"),
        ("03_gather_in_order", ROOT / "solutions/03_gather_in_order/mistakes/serial_loop.py"),
    ):
        (source / kata).mkdir()
        shutil.copy(impl, source / kata / "kata.py")
    k01, k02, k03, k04, k05 = select(catalog, ["1", "2", "3", "4", "5"])
    work = [
        (k01, source / k01.id / "kata.py"),
        (k02, source / k02.id / "kata.py"),
        (k03, source / k03.id / "kata.py"),
        (k05, k05.path / "kata.py"),
        (probe, FIXTURES / "solutions/90_probe/mistakes/no_wait.py"),
    ]
    r01, r02, r03, r05, r90 = Runner(ROOT).grade(work)
    odd = dataclasses.replace(probe, id="91_markup", number=91, title="<i>Markup</i> & co")
    markup = KataResult(odd, tests=[Result("test_markup", "fail", 0, 2, MARKUP)])
    return Grade([r01, r02, r03, KataResult(k04, skipped="needs Python 3.99+"), r05, r90, markup])


@pytest.fixture(scope="module")
def page(grade, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(
        report_html.render(grade, source="submission/", generated="2025-01-01 12:00"),
        encoding="utf-8",
    )
    return path


def result_of(grade: Grade, kata_id: str, test: str) -> Result:
    kata = next(k for k in grade.katas if k.id == kata_id)
    return next(t for t in kata.tests if t.name == test)


# -- a small DOM, from html.parser ---------------------------------------------------------
class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (
                    (tag is None or child.tag == tag)
                    and (cls is None or cls in child.classes)
                    and all(child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
                ):
                    found.append(child)
                found.extend(child.all(tag, cls, **attrs))
        return found

    def one(self, tag: str | None = None, cls: str | None = None, **attrs) -> Node:
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} class={cls} {attrs}>"
        return found[0]


class _Builder(HTMLParser):
    VOID = frozenset({"meta", "link", "br", "hr", "img", "input"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.node = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.node)
        self.node.children.append(node)
        if tag not in self.VOID:
            self.node = node

    def handle_startendtag(self, tag, attrs):
        self.node.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.node))

    def handle_endtag(self, tag):
        node = self.node
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.node = node.parent

    def handle_data(self, data):
        self.node.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    assert builder.node is builder.root, f"<{builder.node.tag}> never closed"
    return builder.root


@pytest.fixture(scope="module")
def dom(page) -> Node:
    return parse(page.read_text(encoding="utf-8"))


def squash(text: str) -> str:
    return " ".join(text.split())


# -- the data behind the timelines ----------------------------------------------------------
def test_a_timing_failure_brings_its_timeline_as_data(grade):
    overlap = result_of(grade, "03_gather_in_order", "test_fetches_overlap")
    chart = overlap.chart
    assert [(s.label, s.start, s.end, s.outcome) for s in chart.spans] == [
        ("fetch('a')", 0.0, 1.0, "ok"),
        ("fetch('b')", 1.0, 1.6, "ok"),
        ("fetch('c')", 1.6, 2.4, "ok"),
    ]
    assert [(s.label, s.start, s.end) for s in chart.expected] == [
        ("fetch('a')", 0.0, 1.0),
        ("fetch('b')", 0.0, 0.6),
        ("fetch('c')", 0.0, 0.8),
    ]
    assert (chart.start, chart.measured, chart.expected_total) == (0.0, 2.4, 1.0)
    # the terminal's message is what it always was
    assert overlap.message.startswith("fetch('a') █")
    assert "expected fetching three keys to take 1s" in overlap.message
    data = overlap.to_json()
    assert data["timeline"]["spans"][1] == ["fetch('b')", 1.0, 1.6, "ok"]
    passed = result_of(grade, "02_overlap_two", "test_waits_overlap_when_the_first_is_slower")
    assert passed.chart is None and "timeline" not in passed.to_json()


def test_chart_json_is_bounded_and_checked():
    spans = [Span(f"fetch({i})" + "x" * 200, i, i + 1) for i in range(500)]
    chart = timing_chart.make(spans, expected=[("ideal", 0, 1)], until=600)
    assert len(chart.spans) == timing_chart.MAX_SPANS and chart.dropped == 300
    assert all(len(s.label) <= timing_chart.MAX_LABEL for s in chart.spans)
    again = timing_chart.Chart.from_json(json.loads(json.dumps(chart.to_json())))
    assert again == chart
    for bad in (
        None,
        [],
        {"spans": "no"},
        {"spans": [["a", 0, float("nan"), "ok"]]},
        {"spans": [["a", 0, 1, "exploded"]]},
        {"spans": [["a", 0, 1, "ok"]] * (timing_chart.MAX_SPANS + 1)},
        {"spans": [], "dropped": -1},
    ):
        assert timing_chart.Chart.from_json(bad) is None, bad


def test_ideal_schedules_start_each_call_when_a_slot_frees():
    plan = timing_chart.greedy([("a", 3, "ok"), ("b", 1, "ok"), ("c", 1, "raised")], 2, 10)
    assert [(s.label, s.start, s.end, s.outcome) for s in plan] == [
        ("a", 10, 13, "ok"),
        ("b", 10, 11, "ok"),
        ("c", 11, 12, "raised"),
    ]
    assert {s.start for s in timing_chart.greedy([("a", 1, "ok")] * 5, None)} == {0}
    with pytest.raises(ValueError, match="label, start, end"):
        timing_chart.as_span(("only a label",))
    with pytest.raises(ValueError, match="outcome"):
        timing_chart.as_span(("a", 0, 1, "exploded"))


def run_on_virtual_time(main):
    loop = VirtualTimeLoop(Limits(), learner_file=__file__)
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        return runner.run(main())


def test_checks_attach_the_timeline_they_drew():
    async def main():
        fetch = FakeService(delays={"a": 1.0, "b": 0.5}, errors={"b": KeyError})
        other = FakeService("other")

        async def serial():
            await fetch("a")
            try:
                await fetch("b")
            except KeyError:
                pass

        run = await expect.timed(serial())
        await other("x")
        caught = {}
        for name, check in (
            (
                "elapsed",
                lambda: expect.elapsed(
                    run, 1.0, what="x", services=[fetch], schedule=expect.ideal(fetch, "ab")
                ),
            ),
            ("no_services", lambda: expect.elapsed(run, 1.0, what="x")),
            ("in_flight", lambda: expect.max_in_flight(fetch, 2)),
            ("custom", lambda: expect.true(False, expect.timeline(fetch) + "\nnope")),
            ("other", lambda: expect.true(False, expect.timeline(other) + "\nnope")),
            ("plain", lambda: expect.true(False, "no picture here")),
        ):
            try:
                check()
            except KataFailure as exc:
                caught[name] = exc
        return caught

    caught = run_on_virtual_time(main)
    elapsed = caught["elapsed"].chart
    assert [(s.start, s.end, s.outcome) for s in elapsed.spans] == [
        (0.0, 1.0, "ok"),
        (1.0, 1.5, "raised"),
    ]
    assert [(s.start, s.end, s.outcome) for s in elapsed.expected] == [
        (0.0, 1.0, "ok"),
        (0.0, 0.5, "raised"),
    ]
    bare = caught["no_services"].chart
    assert (bare.spans, bare.expected, bare.measured, bare.expected_total) == ((), (), 1.5, 1.0)
    # later pictures of the same calls show the schedule the test stated; others do not
    assert caught["in_flight"].chart.spans == elapsed.spans
    assert caught["in_flight"].chart.expected == elapsed.expected
    assert caught["custom"].chart.spans == elapsed.spans
    assert [s.label for s in caught["other"].chart.spans] == ["other('x')"]
    assert caught["other"].chart.expected == ()
    assert caught["plain"].chart is None


# -- the page's structure --------------------------------------------------------------------
def test_summary_gives_the_total_and_each_module(grade, dom):
    summary = dom.one("section", "summary")
    share = round(100 * grade.score / grade.max_score)
    assert squash(summary.one("p", "total").text) == (
        f"{grade.score} / {grade.max_score} points ({share}%)"
    )
    assert grade.score > 0 and grade.max_score > grade.score
    rows = [
        [squash(cell.text) for cell in row.all() if cell.tag in ("th", "td")]
        for row in summary.one("table").all("tr")[1:]
    ]
    m1 = [k for k in grade.katas if k.kata.module == 1]
    m1_score = sum(k.score for k in m1)
    m1_max = sum(k.max_score for k in m1)
    assert rows[0][:3] == ["M1 Coroutines and the event loop", "1 of 4", f"{m1_score} / {m1_max}"]
    assert rows[1][0] == "M9" and len(rows) == 2
    assert "Next: 01 Hello" in squash(summary.text)
    assert f"{grade.score} / {grade.max_score}" in dom.one("head").one("title").text


def test_every_kata_is_shown_with_its_status_in_words(grade, dom):
    expected = {
        "01_hello_coroutine": ("! error", True),
        "02_overlap_two": ("✓ passed", False),
        "03_gather_in_order": ("✗ failed", True),
        "04_take_turns": ("– skipped", False),
        "05_chunked_cpu": ("○ not started", False),
        "90_probe": ("✗ failed", True),
        "91_markup": ("✗ failed", True),
    }
    katas = dom.all("details", "kata")
    assert [k.attrs["id"] for k in katas] == [f"kata-{k}" for k in expected]
    for node, result in zip(katas, grade.katas, strict=True):
        badge, opened = expected[result.id]
        summary = node.one("summary")
        assert squash(summary.one("span", "badge").text) == badge
        assert squash(summary.one("span", "points").text) == (
            f"{result.score} / {result.max_score} points"
        )
        assert ("open" in node.attrs) == opened, result.id
        assert len(node.all("li", "test")) == len(result.tests)
    missing = dom.one("details", id="kata-01_hello_coroutine").one("pre", "message")
    assert "is missing" in missing.text
    skipped = dom.one("details", id="kata-04_take_turns")
    assert "Skipped: needs Python 3.99+" in squash(skipped.text)


def test_each_test_shows_its_verdict_and_a_failure_its_message(grade, dom):
    kata = dom.one("details", id="kata-03_gather_in_order")
    for result in next(k for k in grade.katas if k.id == "03_gather_in_order").tests:
        item = kata.one("li", data_test=result.name)
        word = {"pass": "✓ passed", "fail": "✗ failed"}[result.status]
        assert squash(item.one("span", "badge").text) == word
        assert squash(item.one("span", "points").text) == f"{result.score} / {result.max_score}"
        messages = item.all("pre", "message")
        if result.status == "pass":
            assert messages == []
        else:
            assert [m.text for m in messages] == [result.message]
    not_started = dom.one("details", id="kata-05_chunked_cpu")
    assert len(not_started.all("pre", "message")) == 1  # said once, not once per test
    assert "not started yet" in not_started.one("pre", "message").text


def bars(svg: Node, lane: str) -> list[tuple[float, float, float]]:
    """(left, right, top) of each bar in ``lane``, as drawn."""
    group = svg.one("g", data_lane=lane)
    return [
        (float(r.attrs["x"]), float(r.attrs["x"]) + float(r.attrs["width"]), float(r.attrs["y"]))
        for r in group.all("rect", "bar")
    ]


def test_a_timing_failure_draws_the_run_beside_the_expected_schedule(dom):
    item = dom.one("details", id="kata-03_gather_in_order").one(
        "li", data_test="test_fetches_overlap"
    )
    svg = item.one("svg")
    assert svg.attrs["role"] == "img" and "3 calls" not in svg.one("desc").text
    yours, expected = bars(svg, "yours"), bars(svg, "expected")
    assert len(yours) == 3 and len(expected) == 3
    for (_, right, top), (left, _, next_top) in itertools.pairwise(yours):
        assert right <= left + 0.05 and top < next_top  # one after another, one row each
    assert len({round(left, 1) for left, _, _ in expected}) == 1  # all start together
    assert max(r for _, r, _ in expected) < max(r for _, r, _ in yours)
    labels = [t.text for t in svg.all("text", "bar-label")]
    assert labels == ["fetch('a')", "fetch('b')", "fetch('c')"] * 2
    ticks = {t.text: float(t.attrs["x"]) for t in svg.all("text", "tick")}
    assert {"0s", "1s", "2.4s"} <= set(ticks)
    assert abs(ticks["1s"] - yours[0][1]) < 0.1 and abs(ticks["2.4s"] - yours[2][1]) < 0.1
    assert "finished" in [t.text for t in svg.all("text", "legend-text")]
    headings = [squash(t.text) for t in svg.all("text", "lane-heading")]
    assert headings == ["your run: 2.4s", "expected: 1s"]


def test_a_run_with_no_fake_gets_one_bar_per_lane(dom):
    item = dom.one("details", id="kata-90_probe").one("li", data_test="test_takes_one_second")
    svg = item.one("svg")
    [(left, right, _)] = bars(svg, "yours")
    [(e_left, e_right, _)] = bars(svg, "expected")
    assert right - left <= 2.0 + 1e-6  # an instant: the minimum width
    assert e_left == left and e_right > right + 100
    assert [t.text for t in svg.all("text", "bar-label")] == ["your run", "done by 1s"]


def test_markup_in_titles_and_messages_is_shown_as_text(dom):
    kata = dom.one("details", id="kata-91_markup")
    assert kata.one("pre", "message").text == MARKUP
    assert "<i>Markup</i> & co" in kata.one("span", "kata-name").text
    assert kata.all("b") == [] and kata.all("i") == []
    assert [s.text for s in dom.all("script")] == [report_html.SCRIPT]


def test_the_page_needs_nothing_from_outside(page, dom):
    stack = [dom]
    while stack:
        node = stack.pop()
        stack.extend(c for c in node.children if isinstance(c, Node))
        assert node.tag not in ("link", "img", "iframe", "object", "embed", "base")
        for name in ("src", "href", "xlink:href", "action", "srcset", "poster"):
            value = node.attrs.get(name, "")
            assert not re.match(r"\s*([a-z]+:|//)", value, re.I), f"<{node.tag} {name}={value}>"
    css = dom.one("style").text
    assert "@import" not in css and "url(" not in css
    svg_refs = re.findall(r"url\(([^)]*)\)", page.read_text(encoding="utf-8"))
    assert all(ref.startswith("#") for ref in svg_refs)


def test_expected_rows_line_up_with_the_learners_calls():
    chart = timing_chart.make(
        [Span("a", 0, 1), Span("c", 0, 2), Span("b", 0, 10, "running")],
        expected=[("a", 0, 1), ("b", 0, 3, "cancelled"), ("c", 0, 2), ("d", 0, 1)],
        start=0.0,
        measured=10.0,
        expected_total=3.0,
    )
    svg = parse(timeline_svg.render(chart, prefix="t")).one("svg")
    assert [t.text for t in svg.all("text", "bar-label")] == ["a", "c", "b", "a", "c", "b", "d"]
    outcomes = [r.attrs["class"] for r in svg.one("g", data_lane="expected").all("rect", "bar")]
    assert outcomes == ["bar bar-ok", "bar bar-ok", "bar bar-cancelled", "bar bar-ok"]
    legend = [t.text for t in svg.all("text", "legend-text")]
    assert legend == ["finished", "cancelled", "still running", "expected end"]


def test_many_calls_stay_a_bounded_picture():
    spans = [Span(f"fn({i})", i * 0.01, i * 0.01 + 1) for i in range(5000)]
    svg = parse(timeline_svg.render(timing_chart.make(spans, until=51), prefix="t")).one("svg")
    assert len(bars(svg, "yours")) == timing_chart.MAX_SPANS
    assert svg.all("g", data_lane="expected") == []  # no schedule, no expected total
    assert "the first 200 of 5000 calls" in svg.one("text", "lane-heading").text
    height = float(svg.attrs["viewbox"].split()[3])
    assert height <= timeline_svg.MAX_GROUP_H + 100
    assert svg.all("text", "bar-label") == []  # rows too thin for labels


# -- the command -------------------------------------------------------------------------------
def graders(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "graders", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_report_command_writes_the_page_and_says_where(tmp_path):
    target = tmp_path / "mine.html"
    result = graders("report", "2", "--from", "solutions", "--output", str(target))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-2:] == [
        f"report written to {target}",
        f"open it in a browser: {target.as_uri()}",
    ]
    written = parse(target.read_text(encoding="utf-8"))
    kata = written.one("details", id="kata-02_overlap_two")
    assert squash(kata.one("summary").one("span", "badge").text) == "✓ passed"
    assert squash(written.one("p", "meta").text).startswith("Graded from solutions on ")


def test_report_command_misuse_is_one_line_and_status_2(tmp_path):
    for args in (["999"], ["2", "--output", str(tmp_path / "no" / "such" / "r.html")]):
        result = graders("report", *args, "--from", "solutions")
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


# -- in a real browser ------------------------------------------------------------------------
def find_chromium() -> str | None:
    """Debian's chromium (or a Chrome that CI runners ship); GRADERS_CHROMIUM wins."""
    for name in (
        os.environ.get("GRADERS_CHROMIUM", ""),
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ):
        path = name and shutil.which(name)
        if path:
            return path
    return None


CHROMIUM = find_chromium()
needs_browser = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found: install Debian's chromium package (apt-get install chromium) "
    "to run the HTML report's browser tests",
)
BROWSER_LIMIT = 120  # real seconds for one headless run, start-up included


def browse(page: Path, *args: str) -> bytes:
    """Run headless Chromium on ``page`` with ``args``; its stdout. A fresh profile each
    time; the whole process group is killed if it overruns."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        flags = [
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium refuses to run as root otherwise
        proc = subprocess.Popen(
            [CHROMIUM, *flags, *args, page.as_uri()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=BROWSER_LIMIT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.communicate()
            pytest.fail(f"headless Chromium did not finish within {BROWSER_LIMIT}s")
        assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
        return out


#: Added to a copy of the page: once it has loaded, measure what is shown and write it
#: into the DOM, which --dump-dom then prints.
PROBE = """<script>
addEventListener('load', () => {
  const shown = el => {
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 &&  // and not folded away in a closed <details>:
      el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  };
  const box = el => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, shown: shown(el)}; };
  const test = document.querySelector(
    '#kata-03_gather_in_order li[data-test="test_fetches_overlap"]');
  const lane = name => [...test.querySelectorAll(`g[data-lane="${name}"] rect.bar`)].map(box);
  const total = document.querySelector('.total');
  const result = {
    title: document.title,
    total: total.innerText, totalShown: shown(total),
    katas: [...document.querySelectorAll('details.kata')].map(d => {
      const badge = d.querySelector('summary .badge'), style = getComputedStyle(badge);
      return {id: d.id, badge: badge.innerText.trim(), shown: shown(badge),
              color: style.color, background: style.backgroundColor,
              testsShown: [...d.querySelectorAll('li.test')].some(shown)};
    }),
    message: test.querySelector('pre.message').innerText,
    messageShown: shown(test.querySelector('pre.message')),
    yours: lane('yours'), expected: lane('expected'),
    resources: performance.getEntriesByType('resource').map(e => e.name),
    overflow: document.documentElement.scrollWidth - innerWidth,
  };
  const out = document.createElement('pre');
  out.id = 'probe-result';
  out.textContent = JSON.stringify(result);
  document.body.append(out);
});
</script>"""


@pytest.fixture(scope="module")
def rendered(page, tmp_path_factory) -> dict:
    probed = tmp_path_factory.mktemp("probed") / "report.html"
    html = page.read_text(encoding="utf-8")
    probed.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dumped = browse(probed, "--window-size=1000,1400", "--dump-dom").decode()
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', dumped, re.S)
    assert found, "the page did not finish loading in the browser"
    return json.loads(parse(found.group(0)).one("pre").text)


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb(...)`` colours."""

    def luminance(css: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", css)[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@needs_browser
def test_browser_shows_the_total_and_every_katas_status(grade, rendered):
    assert rendered["totalShown"]
    assert rendered["total"].startswith(f"{grade.score} / {grade.max_score} points")
    assert rendered["title"] == f"asyncio-katas: {grade.score} / {grade.max_score} points"
    words = {"pass": "passed", "fail": "failed", "error": "error", "skip": "skipped"}
    for shown, result in zip(rendered["katas"], grade.katas, strict=True):
        assert shown["id"] == f"kata-{result.id}" and shown["shown"]
        word = "not started" if result.id == "05_chunked_cpu" else words[result.status]
        assert shown["badge"].endswith(word), shown
        assert contrast(shown["color"], shown["background"]) >= 4.5, shown
        # katas in progress are open on their tests; the others fold them away
        in_progress = result.status in ("fail", "error") and not result.not_started
        assert shown["testsShown"] == (in_progress and bool(result.tests)), shown


@needs_browser
def test_browser_shows_the_failure_message_and_the_timeline(rendered):
    assert rendered["messageShown"]
    assert "expected fetching three keys to take 1s" in rendered["message"]
    assert "hint: start every fetch before awaiting any" in rendered["message"]
    yours, expected = rendered["yours"], rendered["expected"]
    assert len(yours) == 3 and len(expected) == 3
    assert all(bar["shown"] for bar in yours + expected)
    for bar, after in itertools.pairwise(yours):
        assert bar["right"] <= after["left"] + 0.5  # one after another, as the code ran them
        assert bar["top"] < after["top"]
    assert max(b["left"] for b in expected) - min(b["left"] for b in expected) < 0.5
    assert max(b["right"] for b in expected) < max(b["right"] for b in yours) - 100
    assert all(b["top"] > yours[-1]["top"] for b in expected)  # a lane group of its own


@needs_browser
def test_browser_fetches_nothing_and_fits_the_window(rendered):
    assert rendered["resources"] == []
    assert rendered["overflow"] <= 0


def png_pixels(data: bytes, rows: int) -> tuple[int, int, list[bytes]]:
    """(width, height, the first ``rows`` rows as RGB bytes) of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, kind = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and kind in (2, 6), (depth, kind)
    channels = 3 if kind == 2 else 4
    idat, pos = b"", 8
    while pos < len(data):
        length, tag = struct.unpack(">I4s", data[pos : pos + 8])
        if tag == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    out = []
    for y in range(min(rows, height)):
        kind_of_filter = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind_of_filter == 1:
                line[i] = (line[i] + a) & 255
            elif kind_of_filter == 2:
                line[i] = (line[i] + b) & 255
            elif kind_of_filter == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind_of_filter == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        previous = line
        rgb = bytes(line) if channels == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3)
        out.append(rgb)
    return width, height, out


@needs_browser
def test_browser_screenshot_is_the_page_not_a_blank(page, tmp_path):
    shot = tmp_path / "shot.png"
    browse(page, "--window-size=900,1200", f"--screenshot={shot}")
    width, height, rows = png_pixels(shot.read_bytes(), 320)
    assert (width, height) == (900, 1200)
    pixels = [row[i : i + 3] for row in rows for i in range(0, len(row), 3)]
    white = sum(1 for p in pixels if p == b"\xff\xff\xff")
    assert len(pixels) - white > len(pixels) // 20  # more than 5% drawn
    assert len(set(pixels)) > 20  # text, panels, the meter: not one flat colour
    meter_blue = bytes.fromhex("0969da")  # the total's progress bar, --bar in the CSS
    assert sum(1 for p in pixels if p == meter_blue) > 500
