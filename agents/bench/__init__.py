"""One benchmark runner for every registered task kind (see agents.bench.runner): sweeps of arms,
local worker processes or Ray tasks, a SQLite results store, resume after a kill, an HTML report."""
from agents.bench.arms import Arm, make_arms, parse_ks, split_list
from agents.bench.runner import Runner, run_bench
from agents.bench.store import Store

__all__ = ["Arm", "Runner", "Store", "make_arms", "parse_ks", "run_bench", "split_list"]
