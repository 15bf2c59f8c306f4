"""Through the CLI: a model whose every call raises RuntimeError (a backend's bug) makes the task an
`error` row naming the exception, with no traceback, not a quiet unanswered success/failure."""
from tests.bench.helpers import rows, run_flaky


def test_a_model_raising_runtime_error_is_an_error_row_with_its_reason(tmp_path):
    out, down = tmp_path / "out", tmp_path / "down"
    down.write_text("bug")
    r = run_flaky(out, down)
    by_id = {row["task_id"]: row for row in rows(out)}
    assert {t: row["status"] for t, row in by_id.items()} == {"t0": "error", "t1": "error"}, r.stderr
    for row in by_id.values():
        assert "RuntimeError" in row["error"] and "backend bug" in row["error"], row["error"]
