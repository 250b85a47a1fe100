"""``check --explain``: every system's RISK001 exposure score, the same in text and JSON."""

from __future__ import annotations

import json

from helpers import REPO, run_cli

ARGS = ("check", "flows", "--today", "2026-11-28", "--explain")


def test_json_scores_every_system_and_adds_up(example):
    result = run_cli(*ARGS, "--format", "json", cwd=REPO)
    assert result.code == 1, result
    scores = json.loads(result.stdout)["scores"]
    assert [s["system"] for s in scores] == list(example.model.systems)
    for s in scores:
        assert abs(s["score"] - (s["dpc"] * s["ei"] + s["cb"])) < 1e-9, s
    assert any(s["terms"] for s in scores)


def test_text_shows_the_same_scores_after_the_findings():
    text = run_cli(*ARGS, cwd=REPO).stdout
    doc = json.loads(run_cli(*ARGS, "--format", "json", cwd=REPO).stdout)
    findings, _, explained = text.partition("\nExposure scores (RISK001, threshold ")
    assert len(findings.splitlines()) == len(doc["findings"])  # then a blank line, then the scores
    for s in doc["scores"]:
        assert f"\n  {s['system']}: {s['score']:g} = {s['dpc']:g} x {s['ei']:g} + {s['cb']:g}" in explained


def test_without_explain_there_are_no_scores():
    assert "scores" not in json.loads(run_cli("check", "flows", "--format", "json", cwd=REPO).stdout)
