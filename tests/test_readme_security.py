"""The README's security page stays true: it exists, says how to report a problem, and
every test it names as proof is a file in this suite."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def security_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Security\n(.*?)(?=^## )", readme, flags=re.S | re.M)
    assert match, "README.md has no '## Security' section"
    return match.group(1)


def test_the_security_page_says_what_is_protected_and_how_to_report():
    section = security_section()
    for heading in ("### What Townhall protects", "### Reporting a vulnerability"):
        assert heading in section
    assert "security.txt" in section


def test_every_test_the_security_page_cites_exists():
    section = security_section()
    cited = set(re.findall(r"`(tests/[\w/]+\.py)`", section))
    # Names given beside a full path ("test_x.py" after "tests/security/test_y.py").
    folder = None
    for token in re.findall(r"`((?:tests/[\w/]+/)?test_\w+\.py)`", section):
        if "/" in token:
            folder = token.rsplit("/", 1)[0]
        elif folder:
            cited.add(f"{folder}/{token}")
    assert len(cited) >= 8
    missing = sorted(path for path in cited if not (ROOT / path).is_file())
    assert not missing, f"README's security page cites tests that do not exist: {missing}"
