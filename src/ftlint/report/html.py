"""`ftlint plan --format html`: the retrospective as one self-contained HTML page.

One file, no network at view time (a Content-Security-Policy forbids every fetch and
every script), no JavaScript at all: charts are inline SVG from `ftlint.report._svg`,
hover labels are SVG `<title>`s. The same input gives the same bytes (no dates, fixed
number formats, sorted iteration). Sections follow the retrospective: verdict and
gates (a forest plot), scoreboard, training curves per run, failure clusters with
example completions, actions and setting changes.

Every string from an artifact (run names, messages, completions, paths) is untrusted
and goes through `h` or `pre`: HTML-escaped, control and bidi characters shown escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from ftlint.plan.model import TIER_NAMES
from ftlint.report import _svg
from ftlint.report._charts import curve_charts, forest_rows, scoreboard_charts, taxonomy
from ftlint.report.text import clean

DASH = "\u2013"  # an en dash for empty cells
#: longest completion shown per example (the rest is cut with a note)
EXAMPLE_CHARS = 600
EXAMPLES_PER_CLUSTER = 3
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def h(text: object) -> str:
    """Untrusted inline text: control characters escaped, then HTML-escaped."""
    return escape(clean(str(text)), quote=True)


def pre(text: str) -> str:
    """Untrusted multi-line text for a <pre>: newlines kept, the rest as `h`."""
    return "\n".join(h(line) for line in text.replace("\r\n", "\n").split("\n"))


def _n(x: float | None, sign: bool = False) -> str:
    if x is None:
        return DASH
    return f"{x:+.4f}" if sign else f"{x:.4f}"


def _verdict(plan: Any) -> list[str]:
    report = plan.gates
    verdict = report.overall.value if report is not None else "NOT EVALUATED"
    title = f"Retrospective: {h(plan.candidate)}"
    if plan.baseline:
        title += f" vs {h(plan.baseline)}"
    out = [f"<h1>{title}</h1>"]
    summary = ""
    if report is not None and report.summary:  # the summary starts with the verdict word
        summary = h(report.summary.removeprefix(verdict).strip())
    out.append(
        f'<p class="verdict v-{escape(verdict.split()[0])}"><strong>Promotion: {escape(verdict)}'
        f"</strong> {summary}</p>"
    )
    if plan.selection_note:
        out.append(f'<p class="note">{h(plan.selection_note)}</p>')
    if plan.blocked:
        out.append(
            '<p class="warn">Format first: tier-4 actions are deferred and quality '
            "conclusions are provisional until the format gates pass.</p>"
        )
    out.append('<section id="diagnosis"><h2>Diagnosis</h2><ul>')
    out += [f"<li>{h(s)}</li>" for s in plan.diagnosis]
    out.append("</ul></section>")
    return out


def _gates(plan: Any) -> list[str]:
    out = ['<section id="gates"><h2>Promotion gates</h2>']
    report = plan.gates
    if report is None:
        return [*out, "<p>Not evaluated.</p></section>"]
    out.append(
        f"<p>Gates from {h(report.policy_source)}; INCONCLUSIVE {h(report.inconclusive_policy)}s. "
        "Each band: the estimate (diamond), its one-sided interval (bar), the threshold it "
        "must clear (dashed red) and no change (grey).</p>"
    )
    out.append(
        _svg.forest_plot("Gates: estimate and interval against the threshold", forest_rows(report))
    )
    out.append(
        "<table><thead><tr><th>Gate</th><th>Category</th><th>Threshold</th><th>Measured</th>"
        "<th>Verdict</th></tr></thead><tbody>"
    )
    for r in report.results:
        cat = r.category + (" (provisional)" if r.provisional else "")
        out.append(
            f"<tr><td>{h(r.label)}</td><td>{h(cat)}</td><td>{h(r.threshold)}</td>"
            f'<td>{h(r.detail)}</td><td class="v-{escape(r.verdict.value)}">{escape(r.verdict.value)}</td></tr>'
        )
    out.append("</tbody></table>")
    if report.not_applicable:
        out.append("<h3>Not applicable</h3><ul>")
        out += [f"<li>{h(n.gate_id)}: {h(n.reason)}</li>" for n in report.not_applicable]
        out.append("</ul>")
    if report.decision is not None:
        out.append(f'<p class="decision"><strong>Decision:</strong> {h(report.decision.text)}</p>')
    if report.rollback:
        out.append("<h3>Rollback criteria</h3><ul>")
        out += [f"<li>{h(rb.text)}</li>" for rb in report.rollback]
        out.append("</ul>")
    out += [f'<p class="note">Note: {h(n)}</p>' for n in report.notes]
    out.append("</section>")
    return out


def _scoreboard(plan: Any) -> list[str]:
    sizes = dict(plan.eval_sizes)
    out = ['<section id="scoreboard"><h2>Scoreboard</h2>', *scoreboard_charts(plan)]
    out.append(
        f"<table><thead><tr><th>Metric</th><th>Baseline (n={h(sizes.get('baseline') or '?')})</th>"
        f"<th>Candidate (n={h(sizes.get('candidate') or '?')})</th><th>Delta</th><th>Change</th>"
        "</tr></thead><tbody>"
    )
    for r in plan.scoreboard:
        change = r.change + (" (provisional)" if r.provisional else "")
        out.append(
            f"<tr><td><code>{h(r.metric)}</code></td><td class=n>{_n(r.baseline)}</td>"
            f"<td class=n>{_n(r.candidate)}</td><td class=n>{_n(r.delta, True)}</td>"
            f'<td class="c-{escape(r.change or "none")}">{h(change)}</td></tr>'
        )
    out.append("</tbody></table></section>")
    return out


def _ordered_runs(plan: Any, campaign: Any) -> list[Any]:
    runs = list(getattr(campaign, "runs", ()) or ())
    first = [plan.candidate, plan.baseline]
    return sorted(runs, key=lambda r: (first.index(r.name) if r.name in first else 2, r.name))


def _curves(plan: Any, campaign: Any) -> list[str]:
    out = ['<section id="curves"><h2>Training curves</h2>']
    shown = 0
    for run in _ordered_runs(plan, campaign):
        charts = curve_charts(run)
        if charts:
            shown += 1
            out += [f"<h3>{h(run.name)}</h3>", '<div class="charts">', *charts, "</div>"]
    if not shown:
        out.append("<p>No run logged a curve (no eval or train metrics by step).</p>")
    out.append("</section>")
    return out


def _clusters(plan: Any, findings: Sequence[Any], examples: Mapping[str, str]) -> list[str]:
    out = ['<section id="clusters"><h2>Failure clusters</h2>']
    tax = taxonomy(findings, plan.candidate, plan.clusters)
    if tax:
        bars = [_svg.Bar(name, (float(count),)) for name, count in tax]
        out.append(
            _svg.bar_chart("Failed outputs by class (candidate)", [("rows", "#dc2626")], bars)
        )
    if not plan.clusters:
        out.append("<p>No failure clusters.</p>")
    for i, c in enumerate(plan.clusters, 1):
        out.append(f'<article class="cluster"><h3>{i}. {h(c.title)}</h3>')
        out.append(
            f"<p><strong>{c.count}</strong> rows ({h(c.severity)}, {h(c.category)}). {h(c.message)}</p>"
        )
        out.append(f"<p><strong>Root cause:</strong> {h(c.root_cause)}</p>")
        tier = f" (tier {c.fix_tier})" if c.fix_tier else ""
        out.append(f"<p><strong>Fix{tier}:</strong> {h(c.fix)}</p>")
        shown = [s for s in c.sample_ids if s in examples][:EXAMPLES_PER_CLUSTER]
        for sid in shown:
            text = examples[sid]
            cut = len(text) > EXAMPLE_CHARS
            body = pre(text[:EXAMPLE_CHARS]) + ("\n… (cut)" if cut else "")
            empty = ' class="empty"' if not text else ""
            out.append(
                f"<figure><figcaption>sample {h(sid)}</figcaption><pre{empty}>{body}</pre></figure>"
            )
        if c.evidence:
            out.append(
                '<p class="ev">Evidence: '
                + ", ".join(f"<code>{h(e)}</code>" for e in c.evidence)
                + "</p>"
            )
        out.append("</article>")
    out.append("</section>")
    return out


def _actions(plan: Any) -> list[str]:
    out = ['<section id="actions"><h2>Actions</h2>']
    for tier in sorted({a.tier for a in plan.actions}):
        out.append(f"<h3>Tier {tier}: {h(TIER_NAMES.get(tier, ''))}</h3>")
        out.append(
            "<table><thead><tr><th>Change</th><th>Why</th><th>Expected</th><th>Rollback trigger</th>"
            "<th>Source</th></tr></thead><tbody>"
        )
        for a in (a for a in plan.actions if a.tier == tier):
            status = (
                "" if a.status == "planned" else f'<span class="tag">{h(a.status.upper())}</span> '
            )
            if a.provisional:
                status += '<span class="tag">PROVISIONAL</span> '
            out.append(
                f"<tr><td>{status}{h(a.text)}</td><td>{h(a.why)}</td><td>{h(a.expected or DASH)}</td>"
                f"<td>{h(a.rollback_trigger or DASH)}</td><td>{h(', '.join(a.rules))} ({h(a.kind)})</td></tr>"
            )
        out.append("</tbody></table>")
    out.append("<h3>Setting changes for the next run</h3>")
    if plan.overrides:
        out.append(
            "<table><thead><tr><th>Setting</th><th>Current</th><th>Next run</th><th>Knob</th>"
            "<th>Source</th><th>Status</th></tr></thead><tbody>"
        )
        for o in plan.overrides:
            out.append(
                f"<tr><td><code>{h(o.name or DASH)}</code></td><td>{h(o.current or 'unset')}</td>"
                f"<td>{h(o.value)}</td><td><code>{h(o.knob)}</code></td>"
                f"<td>{h(o.rule)} (tier {o.tier})</td><td>{h(o.status)}</td></tr>"
            )
        out.append("</tbody></table>")
        applied = [o for o in plan.overrides if o.status == "apply" and o.name]
        if applied:
            out.append("<pre>" + "\n".join(h(f"{o.name}={o.value}") for o in applied) + "</pre>")
    else:
        out.append("<p>No setting changes.</p>")
    for c in plan.conflicts:
        losers = "; ".join(f"{p.rule} {p.value}" for p in c.losers)
        out.append(
            f"<p>Conflict on <code>{h(c.knob)}</code>: {h(c.winner.rule)} {h(c.winner.value)} wins over {h(losers)}.</p>"
        )
    out.append("</section>")
    return out


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#0f172a;max-width:1100px;margin:0 auto;padding:16px 24px;background:#f8fafc}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #cbd5e1;padding-bottom:4px;margin-top:28px}h3{font-size:15px}
table{border-collapse:collapse;width:100%;margin:8px 0;background:#fff;font-size:13px}
th,td{border:1px solid #e2e8f0;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-size:16px;padding:8px 12px;border-radius:6px;background:#fff;border-left:6px solid #64748b}
.v-PASS{color:#047857}.v-FAIL{color:#b91c1c}.v-INCONCLUSIVE{color:#b45309}
.verdict.v-PASS{border-color:#059669}.verdict.v-FAIL{border-color:#dc2626}.verdict.v-INCONCLUSIVE{border-color:#d97706}
.c-worse{color:#b91c1c}.c-better{color:#047857}
.note{color:#475569}.warn{background:#fef3c7;padding:6px 10px;border-radius:4px}
.charts{display:flex;flex-wrap:wrap;gap:12px}.curve{margin:0}.curve svg{border:1px solid #e2e8f0}
.spark{font-family:ui-monospace,monospace;font-size:12px;color:#334155;margin:2px 0 10px}
pre{background:#0f172a;color:#e2e8f0;padding:8px;border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}
pre.empty::after{content:"(empty completion)";color:#94a3b8}
figure{margin:6px 0}figcaption{font-size:12px;color:#475569}
.cluster{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:4px 12px;margin:10px 0}
.tag{font-size:11px;font-weight:700;background:#fde68a;padding:0 4px;border-radius:3px}
.ev{font-size:12px}footer{margin-top:28px;color:#64748b;font-size:12px}
"""


def render_plan_html(
    plan: Any,
    campaign: Any = None,
    findings: Sequence[Any] = (),
    examples: Mapping[str, str] | None = None,
) -> str:
    """The report page. `campaign` gives the training curves, `findings` the failure
    taxonomy, `examples` sample id -> completion (see `collect_examples`)."""
    body = [
        *_verdict(plan),
        *_gates(plan),
        *_scoreboard(plan),
        *_curves(plan, campaign),
        *_clusters(plan, findings, examples or {}),
        *_actions(plan),
    ]
    more = (
        f"; {plan.other_findings} finding(s) on other runs are not shown"
        if plan.other_findings
        else ""
    )
    title = f"ftlint: {plan.candidate}" + (f" vs {plan.baseline}" if plan.baseline else "")
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="ftlint {h(plan.tool_version)}">\n'
        f"<title>{h(title)}</title>\n<style>{STYLE}{_svg.CSS}</style>\n</head>\n<body>\n<main>"
    )
    foot = f"</main>\n<footer>Generated by ftlint {h(plan.tool_version)} from <code>{h(plan.workspace)}</code>{h(more)}.</footer>\n</body>\n</html>\n"
    return head + "\n" + "\n".join(body) + "\n" + foot
