"""Issue 19's training options: FERPlus votes as soft targets (mapped to FER2013's classes,
matched by name and label), the not-a-face drop rule, the webcam degradations and the
per-face standardisation as served, and their settings (skipped without the train extra)."""

import csv
import io
import json
from dataclasses import asdict

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs PyTorch: pip install -e '.[train]'")

from classmood.cli.train import build_parser, main  # noqa: E402
from classmood.errors import InputError  # noqa: E402
from classmood.labels import FER_CLASSES  # noqa: E402
from classmood.models.preprocess import normalize, standardize  # noqa: E402
from classmood.models.train import Config, check, train  # noqa: E402
from classmood.models.train import degrade as D  # noqa: E402
from classmood.models.train import ferplus as FP  # noqa: E402
from classmood.models.train.checkpoint import resume_from  # noqa: E402

COLS = FP.COLUMNS


def _votes(**kw):
    return np.array([kw.get(c, 0) for c in COLS])


def _write_votes(path, rows):
    """rows: (npz_name, label, match_corr, {column: votes})."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["npz_name", "fer2013_label_id", "ferplus_image_name", "match_corr", *COLS])
        for i, (name, label, corr, v) in enumerate(rows):
            w.writerow([name, label, f"fer{i:07d}.png", corr, *[v.get(c, 0) for c in COLS]])


# --- FERPlus: mapping, matching, the drop rule, the targets --------------------------------

def test_votes_map_to_fer2013_order_and_contempt_unknown_nf_are_left_out():
    for col, fer in FP.TO_FER.items():  # each FERPlus expression lands on its FER2013 class
        dist, has = FP.vote_distribution(_votes(**{col: 10})[None])
        assert has[0] and dist[0, FER_CLASSES.index(fer)] == 1 and dist.sum() == 1
    assert [FP.TO_FER[c] for c in ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")] \
        == list(FER_CLASSES)
    dist, has = FP.vote_distribution(_votes(happiness=4, contempt=3, unknown=2, NF=1)[None])
    assert dist.dtype == np.float32 and dist[0].tolist() == [0, 0, 0, 1, 0, 0, 0]  # contempt not disgust
    dist, has = FP.vote_distribution(_votes(neutral=3, sadness=1, contempt=6)[None])
    assert np.allclose(dist[0], [0, 0, 0, 0, 0.25, 0, 0.75])
    dist, has = FP.vote_distribution(np.stack([_votes(contempt=5, unknown=3, NF=2), _votes()]))
    assert not has.any() and not dist.any()  # no expression vote: no distribution


def test_nonface_is_a_strict_majority_of_nf_and_unknown():
    rows = np.stack([_votes(NF=6, neutral=4), _votes(NF=3, unknown=3, happiness=4),
                     _votes(NF=5, neutral=5), _votes(unknown=2, anger=8), _votes(NF=5, unknown=1, fear=3)])
    assert FP.nonface(rows).tolist() == [True, True, False, False, True]


def test_votes_are_matched_by_name_and_label(tmp_path):
    path = tmp_path / FP.VOTES_FILE
    _write_votes(path, [
        ("Training_1", 3, 0.99, {"happiness": 10}),
        ("Training_2", 0, 0.98, {"anger": 7, "unknown": 3}),     # one name, two faces: told apart by label
        ("Training_2", 5, 0.99, {"surprise": 9, "fear": 1}),
        ("Training_3", 6, 0.91, {"sadness": 10}),                 # listed twice: the better match wins
        ("Training_3", 6, 0.97, {"neutral": 10}),
        ("PublicTest_9", 4, 0.99, {"sadness": 10}),
    ])
    names = np.array(["Training_2", "Training_1", "Training_4", "Training_2", "Training_3", "Training_1"])
    labels = np.array([5, 3, 2, 0, 6, 4])
    votes, matched = FP.load_split_votes(tmp_path, names, labels)
    assert matched.tolist() == [True, True, False, True, True, False]  # the last: same name, other label
    assert votes.shape == (6, 10) and votes.dtype == np.int64
    assert votes[0, COLS.index("surprise")] == 9 and votes[3, COLS.index("anger")] == 7
    assert votes[4, COLS.index("neutral")] == 10 and not votes[2].any() and not votes[5].any()
    with pytest.raises(InputError, match="names") as exc:
        FP.load_split_votes(tmp_path, None, labels)
    assert exc.value.option == "ferplus"
    with pytest.raises(InputError, match="no FERPlus votes") as exc:
        FP.load_split_votes(tmp_path / "elsewhere", names, labels)
    assert exc.value.option == "ferplus"


def test_soft_targets_mix_label_and_votes_and_weight_zero_is_the_old_loss():
    labels = np.array([3, 0, 6])
    votes = np.stack([_votes(happiness=5, neutral=5), _votes(anger=10), _votes(NF=10)])
    matched = np.array([True, False, True])
    t0 = FP.soft_targets(labels, votes, matched, 0.0, 0.1)
    logits = torch.randn(3, 7)
    ours = -(torch.from_numpy(t0) * torch.log_softmax(logits, 1)).sum(1).mean()
    ref = torch.nn.CrossEntropyLoss(label_smoothing=0.1)(logits, torch.from_numpy(labels))
    assert torch.allclose(ours, ref, atol=1e-6)
    t = FP.soft_targets(labels, votes, matched, 0.5, 0.1)
    assert np.allclose(t.sum(1), 1) and t.dtype == np.float32
    assert np.allclose(t[0], 0.5 * t0[0] + 0.5 * np.array([0, 0, 0, 0.5, 0, 0, 0.5]))
    assert np.allclose(t[1], t0[1]) and np.allclose(t[2], t0[2])  # unmatched, or no expression vote: the label


# --- degradations and the per-face standardisation ----------------------------------------

@pytest.fixture(scope="module")
def faces():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:48, :48]
    base = 128 + 60 * np.sin(xx / 5.0) * np.cos(yy / 7.0)  # a textured "face"
    return np.clip(base[None] + rng.normal(0, 20, (32, 48, 48)), 0, 255).astype(np.uint8)


def test_torch_standardize_is_the_products(faces):
    p = torch.from_numpy(faces.astype(np.float32))[:, None]
    dark = (faces * 0.2).astype(np.uint8)
    assert np.allclose(D.standardize(p)[:, 0].numpy(), standardize(faces), atol=1e-3)
    assert np.allclose(D.standardize(torch.from_numpy(dark.astype(np.float32))[:, None])[:, 0].numpy(),
                       standardize(dark), atol=1e-3)
    flat = torch.full((1, 1, 48, 48), 10.0)  # no contrast: no noise blown up
    assert torch.allclose(D.standardize(flat), torch.full_like(flat, 130.96))
    # the served view of the training faces without degradation: standardize, then normalize
    x = torch.from_numpy(normalize(faces))
    view = D.camera_view(x, torch.Generator().manual_seed(0), 0.0, True)
    assert torch.allclose(view, torch.from_numpy(normalize(standardize(faces))), atol=1e-4)
    assert D.camera_view(x, torch.Generator(), 0.0, False) is x


@pytest.mark.parametrize("prob", [0.3, 1.0])
def test_degrade_keeps_shape_dtype_and_range(faces, prob):
    p = torch.from_numpy(faces.astype(np.float32))[:, None]
    out = D.degrade(p, torch.Generator().manual_seed(1), prob)
    assert out.shape == p.shape and out.dtype == torch.float32
    assert out.min() >= 0 and out.max() <= 255 and torch.equal(out, out.round())
    changed = (out != p).flatten(1).any(1)
    assert changed.all() if prob == 1 else 0 < changed.sum() < len(p)
    x = torch.from_numpy(normalize(faces))
    view = D.camera_view(x, torch.Generator().manual_seed(1), prob, True)
    assert view.shape == x.shape and view.dtype == torch.float32 and torch.isfinite(view).all()


def test_degrade_off_draws_nothing_and_is_seeded(faces):
    p = torch.from_numpy(faces.astype(np.float32))[:, None]
    g = torch.Generator().manual_seed(3)
    before = g.get_state()
    assert D.degrade(p, g, 0.0) is p and torch.equal(g.get_state(), before)  # old runs repeat exactly
    a = D.degrade(p, torch.Generator().manual_seed(5), 0.5)
    b = D.degrade(p, torch.Generator().manual_seed(5), 0.5)
    assert torch.equal(a, b)


def test_each_degradation_does_what_it_says(faces):
    p = torch.from_numpy(faces.astype(np.float32))[:, None]
    n = len(p)
    dark = D.darken(p, torch.full((n,), 0.2), torch.zeros_like(p))
    assert torch.allclose(dark.mean(), p.mean() * 0.2)
    blurred = D.blur(p, torch.full((n,), 1.5))
    assert blurred.shape == p.shape and abs(blurred.mean() - p.mean()) < 1
    assert blurred.diff(dim=-1).abs().mean() < 0.5 * p.diff(dim=-1).abs().mean()  # edges softened
    assert torch.allclose(D.blur(p, torch.full((n,), 1e-3)), p, atol=1e-3)
    lo, hi = D.jpeg(p, torch.full((n,), 30)), D.jpeg(p, torch.full((n,), 80))
    assert (lo - p).abs().mean() > (hi - p).abs().mean() > 0
    top = torch.full((n,), 24.0)
    occ = D.occlude(p, top, torch.full((n,), 2.0), torch.full((n,), 4.0), torch.full((n,), 100.0),
                    torch.zeros_like(p))
    assert torch.equal(occ[..., :24, :], p[..., :24, :])  # the eyes stay
    patch = occ[..., 30:46, 12:36]
    assert patch.std() < 10 and 80 < patch.mean() <= 100  # the lower face is flat


def test_jpeg_matches_a_real_encoder(faces):
    Image = pytest.importorskip("PIL.Image")
    p = torch.from_numpy(faces[:8].astype(np.float32))[:, None]
    for q in (30, 80):
        ours = D.jpeg(p, torch.full((8,), q)).round().clamp(0, 255)[:, 0].numpy()
        real = []
        for im in faces[:8]:
            buf = io.BytesIO()
            Image.fromarray(im).save(buf, "JPEG", quality=q)
            real.append(np.asarray(Image.open(buf), np.float32))
        assert np.abs(ours - np.stack(real)).mean() < 1.5  # a grey level or so (IDCT rounding)


# --- settings: options, checks, round trip, resuming an older run -------------------------

def test_options_round_trip_into_config_and_checks():
    args = build_parser().parse_args(["--ferplus", "0.3", "--drop-nonface", "--degrade", "0.25",
                                      "--standardize", "no"])
    cfg = Config(**{k: getattr(args, k) for k in asdict(Config())})
    assert (cfg.ferplus, cfg.drop_nonface, cfg.degrade, cfg.standardize) == (0.3, True, 0.25, False)
    assert Config(**json.loads(json.dumps(asdict(cfg)))) == cfg
    d = build_parser().parse_args([])
    assert (d.ferplus, d.drop_nonface, d.degrade, d.standardize) == (0.0, False, 0.0, True)
    assert build_parser().parse_args(["--drop-nonface", "no"]).drop_nonface is False
    for name, bad in (("ferplus", 1.5), ("degrade", -0.1)):
        with pytest.raises(InputError) as exc:
            check(Config(**{name: bad}))
        assert exc.value.option == name


def test_a_checkpoint_from_before_standardize_resumes_unstandardised(tmp_path):
    saved = asdict(Config(epochs=3))
    for k in ("ferplus", "drop_nonface", "degrade", "standardize"):
        saved.pop(k)
    torch.save({"config": saved, "epoch": 0}, tmp_path / "last.pt")
    _, old, cfg = resume_from(tmp_path, {})
    assert old.standardize is False and cfg.standardize is False and cfg.ferplus == 0 and cfg.degrade == 0


@pytest.fixture()
def tiny_fer_votes(tmp_path):
    rng = np.random.default_rng(0)
    names = np.array([f"Training_{i}" for i in range(96)])
    labels = rng.integers(0, 7, 96)
    np.savez(tmp_path / "fer2013_train.npz", images=rng.integers(0, 256, (96, 48, 48), dtype=np.uint8),
             labels=labels, names=names)
    np.savez(tmp_path / "fer2013_publictest.npz", images=rng.integers(0, 256, (32, 48, 48), dtype=np.uint8),
             labels=rng.integers(0, 7, 32))
    rows = [(n, int(y), 0.99, {"happiness": 6, "neutral": 4}) for n, y in zip(names[:80], labels[:80])]
    rows += [(n, int(y), 0.99, {"NF": 7, "neutral": 3}) for n, y in zip(names[80:85], labels[80:85])]
    _write_votes(tmp_path / FP.VOTES_FILE, rows)
    return tmp_path


def test_training_with_ferplus_drop_and_degrade(tiny_fer_votes, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["--data", str(tiny_fer_votes), "--out", str(out), "--width", "4", "--batch", "32",
                 "--threads", "1", "--full-epochs", "1", "--epochs", "2", "--ferplus", "0.5",
                 "--drop-nonface", "--degrade", "0.5"]) == 0
    said = capsys.readouterr().out
    assert "votes for 85 of 96 Training faces; 5 left out" in said and "91 train" in said
    rec = json.loads((out / "run.json").read_text())["config"]
    assert (rec["ferplus"], rec["drop_nonface"], rec["degrade"], rec["standardize"]) == (0.5, True, 0.5, True)
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert len(log) == 2 and all(np.isfinite(r["train_loss"]) for r in log)
    # seeded: the same settings give the same losses
    again = train(Config(width=4, batch=32, threads=1, full_epochs=1, epochs=2, ferplus=0.5, drop_nonface=True,
                         degrade=0.5), data=tiny_fer_votes, out=tmp_path / "again")
    assert again["epoch"] in (1, 2)
    log2 = [json.loads(line) for line in (tmp_path / "again" / "train_log.jsonl").read_text().splitlines()]
    assert [r["train_loss"] for r in log2] == [r["train_loss"] for r in log]


def test_ferplus_without_votes_is_an_error_naming_the_option(tiny_fer_votes, tmp_path, capsys):
    (tiny_fer_votes / FP.VOTES_FILE).unlink()
    with pytest.raises(InputError, match="no FERPlus votes") as exc:
        train(Config(width=4, batch=32, threads=1, epochs=1, full_epochs=1, ferplus=0.5), data=tiny_fer_votes,
              out=tmp_path / "x")
    assert exc.value.option == "ferplus"
    assert main(["--data", str(tiny_fer_votes), "--out", str(tmp_path / "y"), "--drop-nonface"]) == 1
    assert "ferplus_votes.csv" in capsys.readouterr().err
