"""The dev/test split of the SWE example suite: every instance in exactly one split, the test split
has at least 12 instances from repositories dev does not have, with bug kinds dev lacks; the build
writes both instance files."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _repo(instance_id):
    return instance_id.rsplit("-", 1)[0]


def test_the_split_is_disjoint_by_repository_and_complete(swe_records):
    splits = json.loads((ROOT / "examples/swe/splits.json").read_text())
    dev, test = splits["dev"], splits["test"]
    assert not set(dev) & set(test)
    assert set(dev) | set(test) == {r["instance_id"] for r in swe_records}
    assert len(test) >= 12
    assert not {_repo(i) for i in dev} & {_repo(i) for i in test}
    assert {r["repo"].rsplit("/", 1)[-1] for r in swe_records if r["instance_id"] in test} == {_repo(i) for i in test}
    new = [k for k in test.values() if k.endswith("(new)")]
    assert len(new) >= 6 and not {k.removesuffix(" (new)") for k in new} & set(dev.values())


def test_the_build_writes_both_splits(swe_suite):
    out = Path(swe_suite).parent
    ids = {name: [json.loads(line)["instance_id"] for line in (out / f"instances.{name}.jsonl").read_text().splitlines()]
           for name in ("dev", "test")}
    assert len(ids["test"]) >= 12 and "lrukit-1" in ids["dev"] and "lrukit-1" not in ids["test"]
