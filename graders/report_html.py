"""The grade as one self-contained HTML page (``python -m graders report``).

Everything is inline: CSS, an SVG timeline per failed timing check (`timeline_svg`), and
one line of script that only opens every kata before printing. No external resource, so
the file opens offline and can be mailed or attached as it is. The page leads with the
total and each module's progress, then every kata: its status in words (not colour
alone), its points, and each test with its verdict and, when it failed, its teaching
message and the learner's timeline beside the expected one.
"""

from __future__ import annotations

from html import escape

from . import timeline_svg
from .catalog import MODULES
from .scoring import Grade, KataResult, TestResult

MARKS = {"pass": "✓", "fail": "✗", "error": "!", "skip": "–", "todo": "○"}
WORDS = {
    "pass": "passed",
    "fail": "failed",
    "error": "error",
    "skip": "skipped",
    "todo": "not started",
}

CSS = """
:root{--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#ffffff;--panel:#f6f8fa;
--pass:#116329;--pass-bg:#dafbe1;--fail:#a40e26;--fail-bg:#ffebe9;--error:#7d4e00;
--error-bg:#fff8c5;--skip:#424a53;--skip-bg:#eaeef2;--bar:#0969da}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);line-height:1.5;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:980px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:1.7rem;margin:0 0 4px}h2{font-size:1.3rem;margin:32px 0 10px}
.meta,.counts,.next,figcaption,.same{color:var(--muted)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
a{color:#0550ae}
.summary{background:var(--panel);border:1px solid var(--line);border-radius:8px;
padding:16px 20px;margin-top:16px}
.summary h2{margin-top:0}
.total{font-size:1.25rem;margin:0 0 6px}.total strong{font-size:2rem}
.meter{display:inline-block;vertical-align:middle;height:10px;border-radius:5px;
background:#d8dee4;overflow:hidden;width:100px}
.meter.wide{width:100%;height:14px;border-radius:7px}
.meter>span{display:block;height:100%;background:var(--bar)}
table{border-collapse:collapse;width:100%;margin-top:12px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line)}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
caption{text-align:left;font-weight:600;padding-bottom:4px}
.badge{display:inline-block;min-width:6.5em;padding:1px 8px;border-radius:10px;
font-size:.85rem;font-weight:600;border:1px solid currentColor;text-align:center}
.s-pass{color:var(--pass);background:var(--pass-bg)}
.s-fail{color:var(--fail);background:var(--fail-bg)}
.s-error{color:var(--error);background:var(--error-bg)}
.s-skip,.s-todo{color:var(--skip);background:var(--skip-bg)}
details.kata{border:1px solid var(--line);border-radius:8px;margin:8px 0;background:var(--bg)}
details.kata>summary{cursor:pointer;padding:8px 12px;display:flex;gap:12px;
align-items:center;flex-wrap:wrap}
details.kata>summary::before{content:"▸";color:var(--muted);width:.8em}
details.kata[open]>summary::before{content:"▾"}
.kata-name{font-weight:600;flex:1 1 16em}
.points{font-variant-numeric:tabular-nums;white-space:nowrap}
.kata-body{padding:0 12px 12px;border-top:1px solid var(--line)}
ol.tests{list-style:none;padding:0;margin:8px 0 0}
li.test{padding:6px 0;border-bottom:1px dashed var(--line)}li.test:last-child{border:0}
.test-head{display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.test-head code{flex:1 1 14em;overflow-wrap:anywhere}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;
padding:10px 12px;margin:8px 0;white-space:pre-wrap;overflow-wrap:anywhere;
font-size:.85rem;line-height:1.35}
figure.chart{margin:8px 0;padding:8px;border:1px solid var(--line);border-radius:6px;
background:#ffffff;overflow-x:auto}
svg.timeline{display:block;max-width:100%;height:auto}
svg.timeline text{font:11px ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;
fill:#1f2328}
svg.timeline .lane-heading{font:600 12px system-ui,sans-serif}
footer{margin-top:40px;color:var(--muted);font-size:.9rem}
@media print{body{font-size:11pt}main{max-width:none;padding:0}
.summary,details.kata,figure.chart,pre{break-inside:avoid}
details.kata>summary::before{content:none}a{color:inherit;text-decoration:none}}
"""

#: Not needed to read the page: opens every kata so that printing shows them all.
SCRIPT = (
    "addEventListener('beforeprint',()=>"
    "document.querySelectorAll('details').forEach(d=>d.open=true));"
)


def _state(result: KataResult) -> str:
    """pass / fail / error / skip, or todo for a kata not started yet."""
    return "todo" if result.status == "fail" and result.not_started else result.status


def _badge(state: str) -> str:
    return f'<span class="badge s-{state}">{MARKS[state]} {WORDS[state]}</span>'


def _meter(score: int, total: int, *, wide: bool = False) -> str:
    share = 100 * score / total if total else 0
    return (
        f'<span class="meter{" wide" if wide else ""}" role="img" '
        f'aria-label="{score} of {total} points"><span style="width:{share:.1f}%"></span></span>'
    )


def render(grade: Grade, *, source: str = "katas/", generated: str = "") -> str:
    """The whole page for ``grade``; ``source`` and ``generated`` fill the line under the
    title (where the code came from, when it was graded)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>asyncio-katas: {grade.score} / {grade.max_score} points</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<header><h1>asyncio-katas report</h1>",
        f'<p class="meta">Graded from <code>{escape(source)}</code>'
        + (f" on {escape(generated)}" if generated else "")
        + ".</p></header>",
        _summary(grade),
    ]
    module = None
    charts = 0
    for result in grade.katas:
        if result.kata.module != module:
            if module is not None:
                parts.append("</section>")
            module = result.kata.module
            parts.append(
                f'<section class="module" id="module-{module}" '
                f'aria-labelledby="module-{module}-h">'
                f'<h2 id="module-{module}-h">M{module} {escape(MODULES.get(module, ""))}</h2>'
            )
        html, charts = _kata(result, charts)
        parts.append(html)
    if module is not None:
        parts.append("</section>")
    parts.append(
        "<footer>Made by <code>python -m graders report</code>. Edit a kata, run it again, "
        "and reload this page.</footer></main>"
        f"<script>{SCRIPT}</script></body></html>"
    )
    return "\n".join(parts)


def _summary(grade: Grade) -> str:
    states = [_state(k) for k in grade.katas]
    counts = ", ".join(
        f"{states.count(s)} {WORDS[s]}"
        for s in ("pass", "fail", "error", "todo", "skip")
        if s in states
    )
    share = f" ({100 * grade.score / grade.max_score:.0f}%)" if grade.max_score else ""
    out = [
        '<section class="summary" aria-labelledby="summary-h">',
        '<h2 id="summary-h">Summary</h2>',
        f'<p class="total"><strong>{grade.score}</strong> / {grade.max_score} points{share}</p>',
        _meter(grade.score, grade.max_score, wide=True),
        f'<p class="counts">{len(grade.katas)} katas: {counts}.</p>',
    ]
    nxt = next((k for k in grade.katas if k.status in ("fail", "error")), None)
    if nxt is not None:
        out.append(
            f'<p class="next">Next: <a href="#kata-{escape(nxt.id)}">{nxt.kata.number:02d} '
            f"{escape(nxt.kata.title)}</a>; its task is in "
            f"<code>katas/{escape(nxt.id)}/README.md</code>.</p>"
        )
    out.append(
        '<table class="modules"><caption>Progress per module</caption><thead><tr>'
        '<th scope="col">Module</th><th scope="col">Katas passed</th>'
        '<th scope="col">Points</th><th scope="col">Progress</th></tr></thead><tbody>'
    )
    modules: dict[int, list[KataResult]] = {}
    for result in grade.katas:
        modules.setdefault(result.kata.module, []).append(result)
    for module, results in modules.items():
        score = sum(k.score for k in results)
        total = sum(k.max_score for k in results)
        passed = sum(1 for k in results if k.status == "pass")
        graded = sum(1 for k in results if k.status != "skip")
        out.append(
            f'<tr><th scope="row"><a href="#module-{module}">M{module} '
            f"{escape(MODULES.get(module, ''))}</a></th>"
            f'<td class="num">{passed} of {graded}</td><td class="num">{score} / {total}</td>'
            f"<td>{_meter(score, total)}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _kata(result: KataResult, charts: int) -> tuple[str, int]:
    state = _state(result)
    kata = result.kata
    is_open = " open" if state in ("fail", "error") else ""
    out = [
        f'<details class="kata" id="kata-{escape(kata.id)}" data-status="{result.status}"'
        f"{is_open}><summary>{_badge(state)}"
        f'<span class="kata-name">{kata.number:02d} {escape(kata.title)}</span>'
        f'<span class="points">{result.score} / {result.max_score} points</span>'
        f"{_meter(result.score, result.max_score)}</summary>",
        '<div class="kata-body">',
    ]
    if result.skipped:
        out.append(f"<p>Skipped: {escape(result.skipped)}</p>")
    if result.error:
        out.append(f'<pre class="message">{escape(result.error)}</pre>')
    if state == "todo":
        first = next(t for t in result.tests if t.status != "skip")
        out.append(f'<pre class="message">{escape(first.message)}</pre>')
    out.append('<ol class="tests">')
    shown: dict[str, str] = {}
    for test in result.tests:
        html, charts = _test(test, state, shown, charts)
        out.append(html)
    out.append("</ol></div></details>")
    return "".join(out), charts


def _test(test: TestResult, kata_state: str, shown: dict[str, str], charts: int):
    state = "todo" if kata_state == "todo" and test.status == "fail" else test.status
    out = [
        f'<li class="test" data-test="{escape(test.name)}" data-status="{test.status}">'
        f'<div class="test-head">{_badge(state)}<code>{escape(test.name)}</code>'
        f'<span class="points">{test.score} / {test.max_score}</span></div>'
    ]
    if test.status != "pass" and state != "todo" and test.message:
        if test.message in shown:
            out.append(
                f'<p class="same">Same message as <code>{escape(shown[test.message])}</code> '
                "above.</p>"
            )
        else:
            shown[test.message] = test.name
            out.append(f'<pre class="message">{escape(test.message)}</pre>')
    if test.chart is not None and test.status in ("fail", "error"):
        charts += 1
        out.append(
            '<figure class="chart">'
            + timeline_svg.render(
                test.chart, prefix=f"tl{charts}", title=f"Timeline of {test.name}"
            )
            + f"<figcaption>{_caption(test.chart)}</figcaption></figure>"
        )
    out.append("</li>")
    return "".join(out), charts


def _caption(chart) -> str:
    if not chart.spans:
        return "How long your code took, beside how long it should have taken."
    text = "Each bar under “your run” is one call your code made to the test's fake service"
    if chart.expected:
        return text + "; under “expected”, the schedule the test wanted, on the same time axis."
    if chart.expected_total is not None:
        return text + "; under “expected”, when the test wanted it done, on the same time axis."
    return text + "."
