"""Every Mermaid chart lineage writes parses with the real Mermaid parser (the one GitHub runs).

The parser comes from npm (``make mermaid``, run by ``make test``); without
npm these tests are skipped.
"""

from __future__ import annotations

import random

from helpers import mermaid_failures, needs_mermaid

from lineage.pipeline import analyse, load_ruleset
from lineage.render.mermaid import to_mermaid
from lineage.render.view import select

from .test_render_escaping import HOSTILE, _model

pytestmark = needs_mermaid

#: Pieces of Mermaid syntax and markup that a name might contain.
PIECES = ["end", "subgraph", "click", "style", "classDef", ":::", "-->", "==>", "-.->", "|", "%%", "%%{init: {}}%%",
          "\"", "'", "`", "<br>", "<script>", "&", "#", ";", "[", "]", "(", ")", "{", "}", "\\", "\n", "\t",
          "é", "中文", "🙂", "\u200b", "A", " ", "0"]


def random_names(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12))) for _ in range(count)]


def test_every_view_of_the_example_parses(example, tmp_path):
    views = {
        "overview": select(example),
        "grouped": select(example, group="organization"),
        "field": select(example, field="foreigner_id"),
        "field-grouped": select(example, field="foreigner_id", group="organization"),
        "system": select(example, system="trainer_crm", depth=2),
        "high": select(example, min_severity="high"),
    }
    assert mermaid_failures({name: to_mermaid(m) for name, m in views.items()}, tmp_path) == []


def test_hostile_and_random_names_parse(tmp_path):
    charts = {}
    for n, name in enumerate([HOSTILE, *random_names(24)]):
        analysis = analyse(_model(name), load_ruleset())
        charts[f"{n}-systems"] = to_mermaid(select(analysis))
        charts[f"{n}-grouped"] = to_mermaid(select(analysis, group="organization"))
    assert mermaid_failures(charts, tmp_path) == []


def test_a_collapsed_big_model_parses(synthetic, tmp_path):
    _, analysis = synthetic(400)
    chart = to_mermaid(select(analysis))
    assert "sys_" not in chart  # over the limits: one node per organization
    assert mermaid_failures({"big": chart}, tmp_path) == []
