"""Solve GitHub issues: localize → reproduce → patch (dig deeper / pivot) → select; SWE-bench I/O."""
from agents.swe.instances import Instance, instance_from_issue, load_instances, materialize_repo
from agents.swe.pipeline import MODES, final_patch, swe_pipeline
from agents.swe.solve import SolveResult, solve_instance

__all__ = ["Instance", "MODES", "SolveResult", "final_patch", "instance_from_issue", "load_instances",
           "materialize_repo", "solve_instance", "swe_pipeline"]
