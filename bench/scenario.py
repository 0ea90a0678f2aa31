"""The command mix sent to every server: `list`, `list q:`, `show`, `score` in rotation; and
each command alone, with a search for a rare word besides."""

from __future__ import annotations

import random

from bench.datagen import Dataset
from bench.load import Command

CRITERIA = ("relevance", "need", "feasibility", "impact")
LABELS = ("list", "list q:", "show", "score")
RARE = "list q: (rare)"


def commands(dataset: Dataset, variants: int = 200, seed: int = 7) -> list[Command]:
    """`variants` rounds of the four commands, each round with other references and words."""
    rng = random.Random(seed)
    sec, eva = dataset.secretariat_user, dataset.evaluator_user
    rounds: list[Command] = []
    for n in range(variants):
        word = dataset.query_words[n % len(dataset.query_words)]
        shown = dataset.show_refs[n % len(dataset.show_refs)]
        scored = dataset.score_refs[n % len(dataset.score_refs)]
        values = " ".join(f"{key}={rng.randint(1, 5)}" for key in CRITERIA)
        rounds += [
            Command("list", sec, "list"),
            Command("list q:", sec, f"list q:{word}"),
            Command("show", sec, f"show {shown}"),
            Command("score", eva, f"score {scored} {values}"),
        ]
    return rounds


def alone(dataset: Dataset) -> dict[str, list[Command]]:
    """Each command of the mix on its own, and `list q:` for a word in 0.1 % of the cases."""
    by_label: dict[str, list[Command]] = {label: [] for label in LABELS}
    for command in commands(dataset):
        by_label[command.label].append(command)
    by_label[RARE] = [Command(RARE, dataset.secretariat_user, f"list q:{dataset.rare_word}")]
    return by_label
