"""A run's base seed lives in run.json; the runtime a resume builds from it gets it back (a resumed
run's sampled calls then use the seeds the uninterrupted run would have used)."""
import pytest

from agents.config import build_runtime
from agents.errors import ConfigError

BASE = {"model": "local/smollm2-135m", "sandbox": "local"}


def test_the_seed_in_the_run_config_reaches_the_runtime():
    assert build_runtime(BASE | {"seed": 7}).seed == 7


def test_a_config_without_a_seed_gets_the_fresh_run_default():
    assert build_runtime(BASE).seed == 0


@pytest.mark.parametrize("bad", ["7", 1.5, True, None])
def test_a_seed_that_is_not_a_whole_number_is_a_config_error(bad):
    with pytest.raises(ConfigError, match="seed"):
        build_runtime(BASE | {"seed": bad})
