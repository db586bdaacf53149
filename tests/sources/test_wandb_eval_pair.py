"""A W&B eval pair logged with a custom eval script's key names, made by the real SDK.

`eval/evaluated_count` is the eval size, `eval/vector_mae` the MAE, and string summary
values (`eval/model_id`, `eval/model_source`) are metadata: before the vocabulary, every
gate on such a campaign was INCONCLUSIVE and each string was a false PRV005 error.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from helpers import offline_wandb_env

pytest.importorskip("wandb")

MAKE = textwrap.dedent(
    """
    import json, sys
    import wandb

    out = {}
    for name, valid, mae in (("eval-base", 0.90, 3.2), ("eval-cand", 0.89, 3.4)):
        run = wandb.init(project="ftlint-evals", name=name, config={"temperature": 0.0})
        run.summary["eval/json_valid_rate"] = valid
        run.summary["eval/evaluated_count"] = 100
        run.summary["eval/vector_mae"] = mae
        run.summary["eval/model_id"] = "acme/" + name
        run.summary["eval/model_source"] = "hub"
        run.summary["eval/tags"] = ["nightly", "v3"]
        out[name] = run.id
        run.finish()
    json.dump(out, open(sys.argv[1], "w"))
    """
)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("wandb-eval-pair")
    script, ids = base / "make.py", base / "ids.json"
    script.write_text(MAKE, encoding="utf-8")
    subprocess.run(
        [sys.executable, str(script), str(ids)],
        env=offline_wandb_env(base),
        check=True,
        timeout=120,
    )
    return {"root": base, "ids": json.loads(ids.read_text(encoding="utf-8"))}


def test_keys_map_to_canonical_metrics_and_strings_are_metadata(pair, cli) -> None:
    out = cli("check", str(pair["root"]), "--format", "json", "--fail-on", "never")
    doc = out.json()
    assert not [f for f in doc["findings"] if f["rule"] == "PRV005"], doc["findings"]
    runs = cli("runs", str(pair["root"]), "--format", "json").json()["runs"]
    by_name = {r["name"]: r for r in runs}
    assert {"eval-base", "eval-cand"} <= set(by_name)
    cand = by_name["eval-cand"]
    assert cand["eval_size"] == 100
    assert cand["metrics"]["mae_raw"] == pytest.approx(3.4)
    assert cand["metrics"]["json_valid_rate"] == pytest.approx(0.89)


def test_gate_decides_the_absolute_validity_gate(pair, cli) -> None:
    """0.89 on 100 rows: the one-sided upper bound misses 0.98, so FAIL, not INCONCLUSIVE."""
    res = cli(
        "gate",
        str(pair["root"]),
        "--baseline",
        "eval-base",
        "--candidate",
        "eval-cand",
        "--format",
        "json",
    )
    assert res.code == 1
    gates = {g["id"]: g for g in res.json()["gates"]}
    absolute = next(g for k, g in gates.items() if k.startswith("json_valid_rate:min"))
    assert absolute["verdict"] == "FAIL", absolute
