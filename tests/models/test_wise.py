"""WiSE-FT (classmood.models.train.wise): alpha 0 is the base, 1 the fine-tune, between
them the weighted mix of every float tensor; a checkpoint the export reads, recording its
lineage; networks that differ are refused naming the tensor (skipped without the train extra)."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="WiSE-FT needs PyTorch: pip install -e '.[train]'")

from classmood.errors import InputError  # noqa: E402
from classmood.models.network import ServedModel, build_from  # noqa: E402
from classmood.models.train.wise import interpolate, main, wise_checkpoint  # noqa: E402
from classmood.models.weights import load_checkpoint, state_dict_of  # noqa: E402

SHAPE = {"arch": "resnet", "width": 4, "first_stride": 2, "blocks": 1}


def _net(seed):
    torch.manual_seed(seed)
    net = build_from(SHAPE)
    with torch.no_grad():  # BatchNorm statistics that differ between the two
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
                m.num_batches_tracked.fill_(seed + 1)
    return net


@pytest.fixture()
def pair(tmp_path):
    """A base exported as .npz (with its .json) and a fine-tune's best.pt."""
    base, tuned = _net(0), _net(1)
    npz = tmp_path / "base.npz"
    np.savez(npz, **{k: v.numpy() for k, v in ServedModel(base).state_dict().items()})
    (tmp_path / "base.json").write_text(json.dumps({"name": "fer-base", "training": {**SHAPE, "epochs": 3},
                                                    "metrics": {"best_epoch": 2}, "teachers": [{"name": "t"}]}))
    pt = tmp_path / "best.pt"
    torch.save({"model": tuned.state_dict(), "config": {**SHAPE, "epochs": 5, "init": str(npz)},
                "best": {"epoch": 4}}, pt)
    return npz, pt, base.state_dict(), tuned.state_dict()


def test_alpha_0_is_the_base_1_the_fine_tune_and_between_the_weighted_mix(pair):
    _, _, base, tuned = pair
    for k, v in interpolate(base, tuned, 0.0).items():
        assert torch.equal(v, base[k]), k
    for k, v in interpolate(base, tuned, 1.0).items():
        assert torch.equal(v, tuned[k]) or not v.is_floating_point(), k
    mixed = interpolate(base, tuned, 0.3)
    assert set(mixed) == set(base)
    for k, v in mixed.items():
        if v.is_floating_point():  # weights, biases and BatchNorm's running statistics
            torch.testing.assert_close(v, 0.7 * base[k] + 0.3 * tuned[k])
        else:  # num_batches_tracked: the base's
            assert torch.equal(v, base[k]), k
    assert not torch.equal(mixed["stem.1.running_var"], base["stem.1.running_var"])  # the statistics are mixed too


def test_the_checkpoint_is_what_the_export_reads_and_records_its_lineage(pair, tmp_path):
    npz, pt, base, tuned = pair
    out = tmp_path / "w" / "a0.3.pt"
    assert main(["--base", str(npz), "--tuned", str(pt), "--alpha", "0.3", "--out", str(out)]) == 0
    model, cfg, best = load_checkpoint(out)  # as classmood.models.export reads it
    assert isinstance(model, ServedModel) and best == {}
    assert {k: cfg[k] for k in SHAPE} == SHAPE
    for k, v in model.net.state_dict().items():
        want = 0.7 * base[k] + 0.3 * tuned[k] if v.is_floating_point() else base[k]
        torch.testing.assert_close(v, want)
    w = cfg["wise"]
    assert w["method"] == "WiSE-FT" and "Wortsman" in w["source"] and w["alpha"] == 0.3
    import hashlib
    assert w["base"]["file"] == str(npz) and w["base"]["sha256"] == hashlib.sha256(npz.read_bytes()).hexdigest()
    assert w["base"]["model"]["name"] == "fer-base" and w["base"]["model"]["teachers"] == [{"name": "t"}]
    assert w["tuned"]["file"] == str(pt) and w["tuned"]["config"]["epochs"] == 5 and w["tuned"]["best"] == {"epoch": 4}
    # the .npz reads back as the base's network (the export's own weights file)
    for k, v in state_dict_of(npz).items():
        assert torch.equal(v, base[k])


def test_different_networks_alpha_and_missing_files_are_refused_naming_what(pair, tmp_path, capsys):
    npz, pt, base, tuned = pair
    missing = {k: v for k, v in tuned.items() if k != "fc.weight"}
    with pytest.raises(InputError, match="tensor 'fc.weight' is the base's, not the fine-tune's") as exc:
        interpolate(base, missing, 0.3)
    assert exc.value.option == "tuned"
    with pytest.raises(InputError, match="tensor 'extra' is the fine-tune's, not the base's"):
        interpolate(base, {**tuned, "extra": torch.zeros(1)}, 0.3)
    wider = build_from({**SHAPE, "width": 8}).state_dict()
    with pytest.raises(InputError, match=r"'stem.0.weight': shape \(4, 1, 3, 3\) in the base, \(8, 1, 3, 3\) in the fine"):
        interpolate(base, wider, 0.3)
    for a in (-0.1, 1.5):
        with pytest.raises(InputError, match="alpha") as exc:
            interpolate(base, tuned, a)
        assert exc.value.option == "alpha"
    # a fine-tune of another shape, through the checkpoint files: its config says which setting
    other = tmp_path / "other.pt"
    torch.save({"model": wider, "config": {**SHAPE, "width": 8}, "best": {}}, other)
    with pytest.raises(InputError, match="width: 4 in the base, 8 in the fine-tune"):
        wise_checkpoint(npz, other, 0.3)
    with pytest.raises(InputError, match="nope.pt: no such weights file") as exc:
        wise_checkpoint(npz, tmp_path / "nope.pt", 0.3)
    assert exc.value.option == "tuned"
    # the command line: one line naming the flag, nothing written
    out = tmp_path / "x.pt"
    assert main(["--base", str(npz), "--tuned", str(pt), "--alpha", "2", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("wise: error: alpha 2.0") and "(--alpha)" in err and err.count("\n") == 1
    assert not out.exists()


def test_the_model_card_tells_a_wise_models_lineage(pair, tmp_path):
    """The card's measured block for a WiSE-FT export: the interpolation, the base with its
    teachers, the fine-tune with its log; no training epoch of its own."""
    from classmood.models.card import measured_block

    npz, pt, _, _ = pair
    cfg = wise_checkpoint(npz, pt, 0.3)["config"]
    m = {"accuracy": 0.6, "macro_f1": 0.5, "ece_before": 0.1, "ece_after": 0.05, "temperature": 0.8,
         "per_class": {c: {"recall": 0.5, "precision": 0.5} for c in
                       ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")},
         "confusion": [[0] * 7] * 7}
    teacher = {"name": "t", "parameters": 10, "accuracy": 0.7, "epochs": 2, "minutes": 1.0, "log": "assets/t.jsonl"}
    cfg["wise"]["base"]["model"].update(teachers=[teacher], metrics={"best_epoch": 2, "publictest": {"accuracy": 0.61}})
    meta = {"name": "fer-wise", "arch": "resnet", "width": 4, "parameters": 10, "macs": 1e6, "sha256": "0" * 64,
            "training": cfg, "metrics": {"publictest": m, "publictest_flip_average": m, "best_epoch": None,
                                         "litert_vs_pytorch_max_abs_prob": 1e-7}}
    block = measured_block(meta, [{"epoch": 1, "seconds": 60}] * 5)
    assert "WiSE-FT" in block and "0.7 x the base `fer-base` + 0.3 x its fine-tune" in block
    assert "The base's teacher `t`" in block and "best PublicTest epoch 2; PublicTest as served 0.6100 (float)" in block
    assert "Fine-tune" in block and "(from the base; epochs 5)" in block and "5 of 5 planned epochs" in block
    assert "best PublicTest epoch 4" in block and "None" not in block
