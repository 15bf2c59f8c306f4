"""Allocation search with a synthetic dev set (a plan solves what its patch stage can afford) and a
scripted tuner model: AgentTTS follows the model's proposals and the trial feedback, random and
uniform run at the same tuning cost, the result is a valid plan with its provenance."""
import json
from types import SimpleNamespace

from agents.models.scripted import ScriptedModel
from agents.tune.agentts import AgentTTSProposer, parse_reply
from agents.tune.search import Trial, search, with_provenance
from agents.tune.space import SearchSpace
from budgets.plan import Plan

STAGES = [("localize", 4, 0.1), ("reproduce", 2, 0.25), ("patch", 4, 0.55), ("select", 0, 0.1)]


def _space(models=()):
    pipe = SimpleNamespace(stages=[SimpleNamespace(name=n, k=k, share=s, temperature=0.8) for n, k, s in STAGES])
    return SearchSpace.of(pipe, models=models)


async def _dev(plan, index):
    """Solves 2 tasks when the patch stage gets k>=4 and share>=0.5, 1 with k>=2; costs its samples."""
    p = plan.stages["patch"]
    solved = 2 if (p.k or 0) >= 4 and (p.share or 0) >= 0.5 else 1 if (p.k or 0) >= 2 else 0
    tokens = sum((s.k or 0) * 1000 for s in plan.stages.values())
    return Trial(index=index, method="", plan=plan, solved=solved, tasks=2, cost=tokens * 1e-7, tokens=tokens)


def test_the_space_snaps_model_replies_onto_the_grid():
    space = _space(models=("big", "small"))
    plan = space.clamp({"stages": {"patch": {"k": 5, "temperature": 0.75, "share": 3, "model": "small"},
                                   "localize": {"share": 1, "model": "nope"}, "bogus": {"k": 1}}})
    assert set(plan.stages) == {"localize", "reproduce", "patch", "select"}
    assert plan.stages["patch"].k in (4, 6) and plan.stages["patch"].temperature == 0.8
    assert plan.stages["patch"].model == "small" and plan.stages["localize"].model is None
    assert sum(s.share for s in plan.stages.values()) <= 1.0
    assert plan.stages["select"].k is None          # a stage that samples nothing keeps k
    uni = space.uniform()
    assert {s.share for s in uni.stages.values()} == {0.25} and uni.stages["patch"].k == 4


async def test_agentts_follows_the_model_and_the_feedback_at_equal_tuning_cost():
    space = _space()
    good = {"reason": "insight 3: give the patch stage the budget", "stages": {
        "localize": {"share": 0.1, "k": 1}, "reproduce": {"share": 0.1, "k": 1},
        "patch": {"share": 0.7, "k": 4, "temperature": 0.8}, "select": {"share": 0.1}}}
    weak = {"stages": {"patch": {"share": 0.3, "k": 1}}}
    replies = ["I think more localization helps.",                # no JSON: a mutation of the best instead
               "```json\n" + json.dumps(weak) + "\n```",
               "Try this: " + json.dumps(good)]
    tuner = ScriptedModel(replies + [json.dumps(good)] * 3, name="tuner")
    proposer = AgentTTSProposer(tuner, seed=1)
    res = await search("agentts", space, _dev, 4, propose=proposer)
    assert len(res.trials) == 4
    assert res.best.solved == 2 and res.best.plan.stages["patch"].k == 4
    assert "mutation" in res.trials[0].note and "insight 3" in res.trials[2].note
    assert "random instead" in res.trials[3].note                  # the model repeated the good plan
    # the feedback of earlier trials is in the later prompts
    last_prompt = tuner.calls[-1]["messages"][-1]["content"]
    assert "solved 2/2" in last_prompt and "Insights" in last_prompt
    assert proposer.tokens > 0
    rnd = await search("random", space, _dev, 4, seed=3)
    uni = await search("uniform", space, _dev, 4)
    assert len(rnd.trials) == 4 and len(uni.trials) == 1
    assert len({space.key(t.plan) for t in rnd.trials}) == 4      # random never re-measures a plan
    plan = with_provenance(res, pipeline="swe", dev=["a", "b"], budget="tokens=16000")
    back = Plan.model_validate(plan.model_dump())
    assert back.provenance.method == "agentts" and back.provenance.score == 2.0 and back.provenance.trials == 4
    assert len(plan.provenance.model_extra["history"]) == 4
    assert "insight 3" in plan.provenance.model_extra["history"][2]["why"]
    assert "[repeat of an earlier plan: random instead]" in res.trials[3].line()


async def test_agentts_random_fallback_is_not_the_random_methods_draw():
    """With one seed, agentts's fallback for a repeated plan must not replay the random method's plans
    (else `compare` credits agentts with what random search found)."""
    space = _space(models=("big", "small"))
    same = json.dumps({"stages": {"patch": {"share": 0.7, "k": 4}}})
    res = await search("agentts", space, _dev, 4, seed=0,
                       propose=AgentTTSProposer(ScriptedModel([same] * 4, name="tuner"), seed=0))
    fallbacks = {space.key(t.plan) for t in res.trials if "random instead" in t.note}
    rnd = await search("random", space, _dev, 4, seed=0)
    assert len(fallbacks) == 3 and not fallbacks & {space.key(t.plan) for t in rnd.trials}


def test_parse_reply_finds_the_plan_object():
    assert parse_reply('noise {"a": 1} then {"stages": {"patch": {"k": 2}}} end') == {"stages": {"patch": {"k": 2}}}
    assert parse_reply("{broken") is None and parse_reply("") is None


def test_the_swe_space_searches_the_patch_stages_focus_and_edit_format():
    import random

    from agents.swe.pipeline import swe_pipeline

    space = SearchSpace.of(swe_pipeline("best_of_n", k=4))
    patch = next(s for s in space.stages if s.name == "patch")
    assert patch.settings == {"focus": (0.0, 2.0), "edit_format": ("auto", "function")}
    assert "settings.focus in [0.0, 2.0]" in space.describe()
    assert "settings.edit_format in ['auto', 'function']" in space.describe()
    # the proposer is told which share the engine does not use (select is bounded: its judge call)
    select_line = next(line for line in space.describe().splitlines() if line.startswith("- select"))
    assert "bounded, needs tokens=1500" in select_line and "bounded" not in space.describe().replace(select_line, "")
    plan = space.clamp({"stages": {"patch": {"k": 4, "settings": {"focus": 1.7, "spread": 9}}}})
    assert plan.stages["patch"].settings == {"focus": 2.0}                  # snapped; unknown settings dropped
    seen = {(space.random(random.Random(i)).stages["patch"].settings or {}).get("focus") for i in range(20)}
    assert seen == {0.0, 2.0}
    plan.apply(swe_pipeline("best_of_n", k=4))                               # a valid plan for the pipeline
    # a choice among words: kept when on the grid (case ignored), else the stage's default
    for given, kept in (("Function", "function"), ("search_replace", "auto"), (3, "auto")):
        got = space.clamp({"stages": {"patch": {"settings": {"edit_format": given}}}}).stages["patch"].settings
        assert got == {"edit_format": kept}
    formats = {(space.random(random.Random(i)).stages["patch"].settings or {}).get("edit_format") for i in range(20)}
    assert formats == {"auto", "function"}
    built = swe_pipeline("best_of_n", k=4)
    space.clamp({"stages": {"patch": {"settings": {"edit_format": "function"}}}}).apply(built)
    assert next(s for s in built.stages if s.name == "patch").edit_format == "function"


def test_a_plan_that_spells_a_settings_default_is_the_plan_that_leaves_it_out():
    """The key that keeps tune from measuring one plan twice: a searched setting left out is the stage's
    default (the patch stage's focus 2.0 and edit_format auto), 2 and 2.0 are one value."""
    from agents.swe.pipeline import swe_pipeline

    space = SearchSpace.of(swe_pipeline("best_of_n", k=4))
    bare = Plan.model_validate({"stages": {"patch": {"share": 0.5, "k": 4}}})
    spelled = Plan.model_validate({"stages": {"patch": {"share": 0.5, "k": 4,
                                                        "settings": {"focus": 2, "edit_format": "auto"}}}})
    other = Plan.model_validate({"stages": {"patch": {"share": 0.5, "k": 4, "settings": {"edit_format": "function"}}}})
    off = Plan.model_validate({"stages": {"patch": {"share": 0.5, "k": 4, "settings": {"focus": 0.0}}}})
    assert space.key(bare) == space.key(spelled)
    assert len({space.key(bare), space.key(other), space.key(off)}) == 3


def test_a_mutation_can_move_a_stage_setting():
    """With no JSON in the tuner's reply, the mutation of the best plan may change a searched setting."""
    from agents.swe.pipeline import swe_pipeline
    from agents.tune.agentts import AgentTTSProposer
    from agents.tune.search import Trial

    space = SearchSpace.of(swe_pipeline("best_of_n", k=4))
    best = Trial(index=0, method="uniform", plan=space.uniform())
    moved = set()
    for seed in range(40):
        plan = AgentTTSProposer(model=None, seed=seed).mutate(space, [best])
        moved |= set(plan.stages["patch"].settings or {})
    assert {"focus", "edit_format"} <= moved


def test_partial_credit_ranks_plans_that_solve_nothing():
    """With no instance solved, the plan whose patches pass more hidden tests wins, not the cheapest."""
    space = _space()
    cheap = Trial(index=0, method="random", plan=space.uniform(), solved=0, tasks=2, tests=0.0, cost=1e-5)
    close = Trial(index=1, method="random", plan=space.uniform(), solved=0, tasks=2, tests=0.5, cost=9e-5)
    solved = Trial(index=2, method="random", plan=space.uniform(), solved=1, tasks=2, tests=0.5, cost=9e-4)
    assert max([cheap, close], key=Trial.objective) is close
    assert max([cheap, close, solved], key=Trial.objective) is solved
    assert "hidden tests 0.50" in close.line()


def test_credit_of_a_graded_patch():
    from agents.swe.grading import GradeReport
    from agents.swe.testrun import TestOutcome
    from agents.tune.evaluate import credit

    ok, bad = TestOutcome(outcome="passed"), TestOutcome(outcome="failed")

    def report(status, f2p=(), p2p=()):
        return GradeReport(instance_id="x-1", status=status, fail_to_pass={f"t{i}": o for i, o in enumerate(f2p)},
                           pass_to_pass={f"p{i}": o for i, o in enumerate(p2p)})

    assert credit(None) == 0.0 and credit(report("error", [ok])) == 0.0
    assert credit(report("resolved", [ok], [ok])) == 1.0
    assert credit(report("unresolved", [ok, bad], [ok, ok])) == 0.5      # half the target tests pass
    assert credit(report("unresolved", [ok, bad], [ok, bad])) == 0.25    # and it breaks one of two others
    assert credit(report("unresolved", [bad, bad], [ok])) == 0.0
    assert credit(report("unresolved", [], [ok])) == 0.0                 # nothing to credit against


def test_the_space_can_skip_an_optional_stage():
    import random as _random

    pipe = SimpleNamespace(stages=[SimpleNamespace(name=n, k=k, share=s, temperature=0.8, optional=(n == "reproduce"))
                                   for n, k, s in STAGES])
    space = SearchSpace.of(pipe)
    assert "0 skips this stage" in space.describe() and space.describe().count("skips") == 1
    rng = _random.Random(3)
    plans = [space.random(rng) for _ in range(40)]
    skipped = [p for p in plans if p.stages["reproduce"].share == 0.0]
    assert 3 <= len(skipped) <= 20                                  # about one in four
    assert all(p.stages["reproduce"].k is None for p in skipped)   # nothing else set on a skipped stage
    assert all(min(s.share for n, s in p.stages.items() if n != "reproduce") >= 0.05 for p in plans)
    # a model's reply: share 0 skips the optional stage; for any other stage it is the grid's minimum
    plan = space.clamp({"stages": {"reproduce": {"share": 0, "k": 2}, "localize": {"share": 0},
                                   "patch": {"share": 0.7, "k": 4}}})
    assert plan.stages["reproduce"].share == 0.0 and plan.stages["localize"].share == 0.05


async def test_start_plans_are_the_first_trials_and_feed_the_proposer():
    """A warm start: the given plan's measured trial counts as trial 0 of random and agentts (equal tuning
    cost), is never re-measured, is in the proposer's feedback; the uniform split ignores it."""
    space = _space()
    given = Plan.model_validate({"stages": {"localize": {"share": 0.1, "k": 1}, "reproduce": {"share": 0.1, "k": 1},
                                            "patch": {"share": 0.7, "k": 4}, "select": {"share": 0.1}}})
    measured = []

    async def dev(plan, index):
        measured.append(space.key(plan))
        return await _dev(plan, index)

    warm = [(await _dev(given, 0)).model_copy(update={"note": "start plan 1 (given)"})]
    tuner = ScriptedModel([json.dumps({"stages": {"patch": {"share": 0.7, "k": 4}, "localize": {"share": 0.1, "k": 1},
                                                  "reproduce": {"share": 0.1, "k": 1}, "select": {"share": 0.1}}}),
                           json.dumps({"stages": {"patch": {"share": 0.5, "k": 2}}})], name="tuner")
    res = await search("agentts", space, dev, 3, propose=AgentTTSProposer(tuner, seed=0), start=warm)
    assert len(res.trials) == 3 and res.trials[0].note == "start plan 1 (given)" and res.trials[0].solved == 2
    assert space.key(given) not in measured                          # the start plan is not measured again
    assert "random instead" in res.trials[1].note                     # the model proposed the start plan again
    assert "solved 2/2" in tuner.calls[0]["messages"][-1]["content"]  # the proposer saw the start plan's result
    rnd = await search("random", space, dev, 2, seed=1, start=warm)
    assert [t.index for t in rnd.trials] == [0, 1] and rnd.trials[0].plan == given and len(measured) == 3
    uni = await search("uniform", space, dev, 2, start=warm)
    assert len(uni.trials) == 1 and uni.trials[0].plan == space.uniform()
