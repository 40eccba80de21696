"""Every endpoint name stands for one kind of answer (issue 15, finding 4).

url_for builds the last rule registered under an endpoint name, so an HTML page and its
CSV or PDF sharing a name sent every HTML link to the download. Rules may share a name
only when they serve the same thing: the same defaults, and no file type in the path.
"""

from __future__ import annotations

import re
from collections import defaultdict

from werkzeug.routing import Map, Rule

# The last path segment's file type, if it has one: "/dashboard.csv" -> "csv".
FILE_TYPE = re.compile(r"\.([A-Za-z0-9]+)$")


def _served(rule: Rule) -> tuple[str, tuple[tuple[str, object], ...]]:
    """What a rule serves, as far as the map can tell: its file type and its defaults."""
    found = FILE_TYPE.search(rule.rule)
    return (found.group(1).lower() if found else ""), tuple(sorted((rule.defaults or {}).items()))


def endpoints_serving_more_than_one_thing(url_map: Map) -> dict[str, list[str]]:
    """Endpoint names whose rules differ in what they serve, with their rules."""
    rules: dict[str, list[Rule]] = defaultdict(list)
    for rule in url_map.iter_rules():
        rules[rule.endpoint].append(rule)
    return {
        endpoint: sorted(r.rule for r in found)
        for endpoint, found in rules.items()
        if len({_served(r) for r in found}) > 1
    }


def test_no_endpoint_name_stands_for_two_kinds_of_answer(app):
    assert endpoints_serving_more_than_one_thing(app.url_map) == {}


def test_the_check_finds_an_html_page_and_its_csv_under_one_name():
    url_map = Map(
        [
            Rule("/dashboard", endpoint="dashboard", defaults={"as_csv": False}),
            Rule("/dashboard.csv", endpoint="dashboard", defaults={"as_csv": True}),
            Rule("/people", endpoint="people"),
            Rule("/people/", endpoint="people"),
        ]
    )
    assert endpoints_serving_more_than_one_thing(url_map) == {
        "dashboard": ["/dashboard", "/dashboard.csv"]
    }
