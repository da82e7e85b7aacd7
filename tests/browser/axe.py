"""axe-core (vendored, tests/browser/vendor/) run on a page: the WCAG 2.1 A/AA violations."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page, context: str | None = None) -> list[str]:
    """Each violation as «rule: what (N nodes: the first targets)», empty when none."""
    if not page.evaluate("() => !!window.axe"):
        # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') refuses
        # an added <script> but not this.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found = page.evaluate(
        """([context, tags]) => axe.run(context || document,
             {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
           .then(r => r.violations.map(v => ({id: v.id, help: v.help,
             targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")), n: v.nodes.length})))""",
        [context, TAGS],
    )
    return [f"{v['id']}: {v['help']} ({v['n']} nodes: {', '.join(v['targets'])})" for v in found]
