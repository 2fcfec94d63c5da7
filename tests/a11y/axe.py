"""axe-core (vendored in tests/vendor, test-only) run by Playwright in the page under test.

`check(page, name)` injects axe, runs the WCAG 2.x A/AA rules and writes every result for the page to
tests/artifacts/axe/<name>.json; it returns the serious and critical violations, one line each, so a
test can `assert not check(page, "kiosk-home")` and read what broke in the assertion message.
"""
from __future__ import annotations

import json
from pathlib import Path

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
OUT = Path(__file__).resolve().parents[1] / "artifacts" / "axe"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}


def run(page, *, include: str | None = None, rules: list[str] | None = None) -> dict:
    """axe's raw results for the page (or the part matched by `include`; only `rules` when given, with
    every node of their passes too). The page's CSP allows no
    injected script, so the axe source goes in through Playwright's evaluate, which CSP does not see
    when the context is made with bypass_csp=True (see `context()`)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations", "incomplete"]}
    if rules:
        options = {"runOnly": {"type": "rule", "values": rules}}
    return page.evaluate(
        "([context, options]) => axe.run(context || document, options)", [include, options])


def blocking(results: dict, also: tuple[str, ...] = ()) -> list[str]:
    """One readable line per serious or critical violation and node (and per violation of the rules in
    `also`, whatever their impact)."""
    lines = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING and violation["id"] not in also:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"{violation['id']} ({violation['impact']}): {target}: "
                         f"{node.get('failureSummary', '').splitlines()[-1].strip() if node.get('failureSummary') else ''}")
    return lines


def _why(node: dict) -> str:
    """axe's own words on why it could not decide (e.g. "Element's background color could not be
    determined due to a background gradient")."""
    messages = [c.get("message") or "" for kind in ("any", "all", "none") for c in node.get(kind, [])]
    return " ".join(m for m in messages if m)


def check(page, name: str, *, include: str | None = None, also: tuple[str, ...] = ()) -> list[str]:
    """Run axe, write tests/artifacts/axe/<name>.json, return the blocking violations (serious, critical
    and those of the rules named in `also`)."""
    results = run(page, include=include)
    OUT.mkdir(parents=True, exist_ok=True)
    summary = {
        "page": name,
        "url": page.url,
        "axe": results.get("testEngine", {}).get("version"),
        "violations": [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                        "nodes": [n["target"] for n in v["nodes"]]} for v in results["violations"]],
        "incomplete": [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                        "nodes": [{"target": n["target"], "why": _why(n)} for n in v["nodes"]]}
                       for v in results["incomplete"]],
        "passes": sorted(v["id"] for v in results.get("passes", [])),
    }
    (OUT / f"{name}.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    return blocking(results, also)


def context(browser, **kwargs):
    """A browser context that lets axe be injected into pages served with our CSP."""
    return browser.new_context(bypass_csp=True, **kwargs)
