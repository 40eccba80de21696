"""Run axe-core (from node_modules, installed by the make targets) on a page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA, as DESIGN.md asks of every page.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@cache
def _axe_source() -> str:
    return AXE.read_text()


def assert_accessible(page) -> None:
    """Fail with axe's findings when the page breaks a WCAG 2.2 AA rule."""
    if not AXE.exists():
        skip_or_fail(f"axe-core is not installed at {AXE} (run make test, which runs npm ci)")
    # After a click that navigates, the new page may not have its stylesheet yet; axe
    # would then judge unstyled targets (a skip link the CSS moves off-screen).
    page.wait_for_load_state("load")
    # Evaluated through the DevTools protocol, which the page's CSP does not govern;
    # add_script_tag would inline it, and the CSP rightly refuses inline scripts.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source() + "\n;true")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
    ]
    if problems:
        pytest.fail(f"accessibility problems on {page.url}:\n" + "\n".join(problems))
