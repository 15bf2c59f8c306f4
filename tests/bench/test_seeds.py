"""Seed sweeps: `--seed 0-2` repeats every arm once per seed (the seed in its run config), and a
cell's summary over its seeds gives each seed's count, their mean and range, and the mean cost."""
import pytest

from agents.bench.arms import make_arms, parse_seeds
from agents.bench.seeds import cell_of, describe, over_seeds
from agents.errors import ConfigError
from budgets import Budget


def test_parse_seeds_ranges_lists_and_bad_input():
    assert parse_seeds("0-2") == [0, 1, 2] and parse_seeds("3,1,3") == [3, 1] and parse_seeds("0-1,1-2") == [0, 1, 2]
    for bad in ("", "a", "2-", "-1"):
        with pytest.raises(ConfigError, match="bad --seed"):
            parse_seeds(bad, "--seed")


def _arms(seeds):
    budgets = [("tokens=8k", Budget.parse("tokens=8k")), ("tokens=16k", Budget.parse("tokens=16k"))]
    return make_arms("swe", modes=["best_of_n"], ks=[4], budgets=budgets, models=["m"], base={}, seeds=seeds)


def test_a_seed_sweep_repeats_every_arm_with_its_seed_in_the_run_config():
    arms = _arms([0, 1])
    assert [a.arm_id for a in arms] == ["best_of_n-tokens=8k-seed0", "best_of_n-tokens=8k-seed1",
                                        "best_of_n-tokens=16k-seed0", "best_of_n-tokens=16k-seed1"]
    assert [a.config.get("seed") for a in arms] == [None, 1, None, 1] and [a.seed for a in arms] == [0, 1, 0, 1]
    assert [cell_of(a) for a in arms] == ["best_of_n-tokens=8k"] * 2 + ["best_of_n-tokens=16k"] * 2
    # one seed: the arms (ids and configs) are the ones a sweep without --seed always had
    assert [(a.arm_id, a.config) for a in _arms([0])] == [(a.arm_id, a.config) for a in _arms(None)]
    assert "seed" not in _arms([0])[0].config


def test_over_seeds_counts_each_seed_and_their_mean_and_range():
    arms = _arms([0, 1, 2])
    summaries = {a.arm_id: {"resolved": n, "total": 12, "spend": {"cost_usd": c}}
                 for a, n, c in zip(arms, [4, 2, 3, 0, 1, 2], [0.01, 0.02, 0.03, 0.1, 0.1, 0.1])}
    cells = over_seeds(arms, summaries, "resolved")
    small = cells["best_of_n-tokens=8k"]
    assert (small["resolved"], small["mean"], small["min"], small["max"], small["total"]) == ([4, 2, 3], 3.0, 2, 4, 12)
    assert small["cost_usd_mean"] == pytest.approx(0.02) and cells["best_of_n-tokens=16k"]["mean"] == 1.0
    assert describe("best_of_n-tokens=8k", small, "resolved") == (
        "best_of_n-tokens=8k: resolved 4, 2, 3 of 12 over seeds 0, 1, 2 (mean 3.00, 2-4), mean cost $0.020000")
    assert over_seeds(_arms([0]), {}, "resolved") == {}  # no seed sweep: no cells
    # an arm not finished yet (no summary) is left out of its cell
    partial = over_seeds(arms, {k: v for k, v in summaries.items() if not k.endswith("seed2")}, "resolved")
    assert partial["best_of_n-tokens=8k"]["seeds"] == [0, 1]
