"""Training is seeded, logs a JSON line per epoch and resumes where it stopped; bad
settings, data or teachers are library errors naming the setting (``option``), never a
flag, and ``classmood train`` prints them as one line naming the flag (skipped without
the train extra)."""

import contextlib
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs PyTorch: pip install -e '.[train]'")

from classmood.cli import main as classmood  # noqa: E402
from classmood.cli.train import main  # noqa: E402
from classmood.errors import InputError, ModelError  # noqa: E402
from classmood.models.train import Config, train  # noqa: E402


@pytest.fixture()
def tiny_fer(tmp_path):
    rng = np.random.default_rng(0)
    for name, n in (("train", 96), ("publictest", 32)):
        np.savez(tmp_path / f"fer2013_{name}.npz", images=rng.integers(0, 256, (n, 48, 48), dtype=np.uint8),
                 labels=rng.integers(0, 7, n))
    return tmp_path


def _run(data, out, *extra):
    return main(["--data", str(data), "--out", str(out), "--width", "4", "--batch", "32", "--threads", "1",
                 "--full-epochs", "1", *extra])


def _train(data, out, resume=False, overrides=None, **settings):
    """The Python API with :func:`_run`'s settings."""
    cfg = Config(**{"width": 4, "batch": 32, "threads": 1, "full_epochs": 1, **settings})
    return train(cfg, data=data, out=out, resume=resume, overrides=overrides)


@contextlib.contextmanager
def _error(kind, option, match):
    """A library error of ``kind`` naming the parameter ``option`` (not a flag) and saying ``match``."""
    with pytest.raises(kind, match=match) as exc:
        yield exc
    assert type(exc.value) is kind and exc.value.option == option
    assert "--" not in str(exc.value) and "classmood train: error" not in str(exc.value)


def test_train_logs_checkpoints_and_resumes_exactly(tiny_fer, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(tiny_fer, a, "--epochs", "3") == 0
    log = [json.loads(line) for line in (a / "train_log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2, 3]
    assert [r["size"] for r in log] == [40, 40, 48]  # crops, then the full face at the end
    assert (a / "best.pt").exists() and (a / "last.pt").exists()
    # the same run in two pieces (stopped after epoch 2: emulate by truncating the schedule state)
    assert _run(tiny_fer, b, "--epochs", "3", "--stop-after", "2") == 0
    assert len((b / "train_log.jsonl").read_text().splitlines()) == 2
    assert main(["--data", str(tiny_fer), "--out", str(b), "--resume"]) == 0
    log_b = [json.loads(line) for line in (b / "train_log.jsonl").read_text().splitlines()]
    assert [r["train_loss"] for r in log_b] == [r["train_loss"] for r in log]  # seeded and exact
    # the Python API trains the very same run
    c = tmp_path / "c"
    best = _train(tiny_fer, c, epochs=3)
    log_c = [json.loads(line) for line in (c / "train_log.jsonl").read_text().splitlines()]
    assert [r["train_loss"] for r in log_c] == [r["train_loss"] for r in log]
    assert best["epoch"] in (1, 2, 3) and 0 <= best["accuracy"] <= 1


def test_best_is_kept_by_flip_averaged_or_served_accuracy(tiny_fer, tmp_path):
    for select, key in (("flip", "publictest_acc"), ("served", "publictest_acc_served")):
        out = tmp_path / select
        assert _run(tiny_fer, out, "--epochs", "3", "--lr", "0.5", "--select", select) == 0
        log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
        assert all(0 <= r["publictest_acc_served"] <= 1 for r in log)
        best = torch.load(out / "best.pt", weights_only=False)["best"]
        top = max(r[key] for r in log)
        assert best["select"] == select and best["epoch"] == next(r["epoch"] for r in log if r[key] == top)
        row = log[best["epoch"] - 1]
        assert round(best["accuracy"], 4) == row["publictest_acc"]
        assert round(best["accuracy_served"], 4) == row["publictest_acc_served"]
    with _error(InputError, "select", "select ten-crop: choose flip or served"):
        _train(tiny_fer, tmp_path / "x", epochs=1, select="ten-crop")


def test_resume_without_a_checkpoint_says_so(tiny_fer, tmp_path):
    with _error(InputError, "resume", "no checkpoint to resume from"):
        train(data=tiny_fer, out=tmp_path / "none", resume=True)


def test_resume_can_change_threads_and_replan_the_schedule(tiny_fer, tmp_path):
    out = tmp_path / "r"
    assert _run(tiny_fer, out, "--epochs", "4", "--stop-after", "2") == 0
    lr_before = [json.loads(ln)["lr"] for ln in (out / "train_log.jsonl").read_text().splitlines()]
    assert main(["--data", str(tiny_fer), "--out", str(out), "--resume", "--epochs", "3", "--threads", "1"]) == 0
    log = [json.loads(ln) for ln in (out / "train_log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2, 3]  # the shorter schedule ends at 3
    assert [r["lr"] for r in log[:2]] == lr_before
    assert log[2]["lr"] < lr_before[1]  # annealed to the end
    with _error(InputError, "epochs", "epochs 2: the run already did 3 epochs"):
        train(data=tiny_fer, out=out, resume=True, overrides={"epochs": 2})


def test_first_stride_two_quarters_the_work_with_the_same_weights():
    from classmood.models.network import build_model, count_macs

    full, half = build_model("resnet", 8), build_model("resnet", 8, first_stride=2)
    shapes = lambda net: {k: v.shape for k, v in net.state_dict().items() if "short" not in k}  # noqa: E731
    assert shapes(full) == shapes(half)  # only a stride changed: a stride-1 model's weights fit
    ratio = count_macs(half) / count_macs(full)
    assert 0.22 < ratio < 0.30
    one = build_model("resnet", 8, blocks=1)
    assert count_macs(one) < count_macs(full) and len(one.layers) == 4
    out = half(torch.rand(3, 1, 48, 48))
    assert out.shape == (3, 7)


def test_init_copies_same_shaped_weights_and_kd_distils_from_a_served_teacher(tiny_fer, tmp_path):
    from classmood.models.expression import FLOAT_MODEL
    from classmood.models.weights import state_dict_of

    teacher = FLOAT_MODEL  # the bundled float model as the teacher (a real .tflite)
    src = teacher.with_suffix(".npz")
    shipped = state_dict_of(src)
    # a student of the other first-stage stride: all but the first block's shortcut fits
    stride = 1 if "layers.0.short.0.weight" in shipped else 2
    out = tmp_path / "kd"
    assert main(["--data", str(tiny_fer), "--out", str(out), "--width", "16", "--first-stride", str(stride),
                 "--batch", "32", "--threads", "1", "--epochs", "1", "--full-epochs", "1", "--lr", "0",
                 "--init", str(src), "--teacher", str(teacher), "--kd", "0.5"]) == 0
    logits = np.load(out / "teacher_logits.npy")
    assert logits.shape == (96, 7) and np.isfinite(logits).all()
    trained = torch.load(out / "last.pt", weights_only=False)["model"]
    # with a zero learning rate the copied convolutions are still the teacher's
    assert torch.equal(trained["layers.3.conv1.weight"], shipped["layers.3.conv1.weight"])
    assert torch.equal(trained["fc.weight"], shipped["fc.weight"])
    # the first block's stride-2 shortcut exists on one side only: not copied, not invented
    assert ("layers.0.short.0.weight" in trained) != ("layers.0.short.0.weight" in shipped)


def test_kd_and_teacher_come_together(tiny_fer, tmp_path):
    with _error(InputError, "teacher", "distillation needs both"):  # a weight, no teacher
        _train(tiny_fer, tmp_path / "y", epochs=1, kd=0.5)
    with _error(InputError, "kd", "distillation needs both"):  # a teacher, no weight
        _train(tiny_fer, tmp_path / "y", epochs=1, teacher="t.tflite")
    with _error(InputError, "kd", "distillation needs both"):  # a weight out of 0..1
        _train(tiny_fer, tmp_path / "y", epochs=1, teacher="t.tflite", kd=1.5)


def test_kd_without_a_teacher_file_says_which(tiny_fer, tmp_path):
    with _error(ModelError, "teacher", "nowhere.tflite: no such teacher model"):
        _train(tiny_fer, tmp_path / "x", epochs=1, teacher=str(tmp_path / "nowhere.tflite"), kd=0.5)


def test_checkpoint_teachers_online_or_once(tiny_fer, tmp_path):
    """A .pt teacher (ensemble) distils on every augmented batch or through labels computed
    once; both train, and the run records itself (run.json, best logits)."""
    from classmood.models.train.distill import load_teachers
    from classmood.models.train.inference import ensemble_logits
    from classmood.models.train.tensors import to_tensor

    t = tmp_path / "t"
    assert _run(tiny_fer, t, "--epochs", "1") == 0
    run = json.loads((t / "run.json").read_text())
    assert run["config"]["width"] == 4 and run["parameters"] > 0 and run["device"] == "cpu"
    assert np.load(t / "best_publictest_logits.npy").shape == (32, 7)
    spec = f"{t / 'best.pt'},{t / 'best.pt'}"
    once, online = tmp_path / "once", tmp_path / "online"
    assert _run(tiny_fer, once, "--epochs", "1", "--teacher", spec, "--kd", "0.5") == 0
    cached = np.load(once / "teacher_logits.npy")
    x = to_tensor(np.load(tiny_fer / "fer2013_train.npz")["images"])
    nets = load_teachers(str(t / "best.pt"), torch.device("cpu"))
    ref = ensemble_logits(nets, x, bf16=False).numpy()  # the mean of a model with itself is the model
    assert cached.shape == (96, 7) and np.allclose(cached, ref, atol=0.05)  # bf16 where the CPU has it
    flipped = ensemble_logits(nets, torch.flip(x, dims=[3]), bf16=False).numpy()
    assert np.allclose(ref, flipped, atol=1e-5)  # flip-averaged: a mirror image gets the same logits
    assert _run(tiny_fer, online, "--epochs", "1", "--teacher", spec, "--kd", "0.5", "--kd-online", "1") == 0
    assert not (online / "teacher_logits.npy").exists()
    assert json.loads((online / "run.json").read_text())["config"]["kd_online"] is True


def test_cached_teacher_labels_are_reused_only_for_their_teachers(tiny_fer, tmp_path):
    import shutil

    t, u = tmp_path / "t", tmp_path / "u"
    assert _run(tiny_fer, t, "--epochs", "1") == 0
    assert _run(tiny_fer, u, "--epochs", "1", "--seed", "1") == 0
    first = tmp_path / "first"
    assert _run(tiny_fer, first, "--epochs", "1", "--teacher", str(t / "best.pt"), "--kd", "0.5") == 0
    assert json.loads((first / "teacher_logits.json").read_text())["teachers"] == ["t/best.pt"]
    # another run with the same teachers takes the copied labels (marked: they are not recomputed)
    again = tmp_path / "again"
    again.mkdir()
    for name in ("teacher_logits.npy", "teacher_logits.json"):
        shutil.copy(first / name, again / name)
    marked = np.full((96, 7), 3.0, np.float32)
    np.save(again / "teacher_logits.npy", marked)
    assert _run(tiny_fer, again, "--epochs", "1", "--teacher", str(t / "best.pt"), "--kd", "0.5") == 0
    assert np.array_equal(np.load(again / "teacher_logits.npy"), marked)
    # other teachers, or labels of another number of faces: one clear line, not silently wrong labels
    with _error(InputError, "teacher", "holds the labels of t/best.pt, not of"):
        _train(tiny_fer, again, epochs=1, teacher=str(u / "best.pt"), kd=0.5)
    np.save(again / "teacher_logits.npy", marked[:50])
    with _error(InputError, None, "labels for 50 faces, the training split has 96"):
        _train(tiny_fer, again, epochs=1, teacher=str(t / "best.pt"), kd=0.5)


def test_teachers_must_be_one_kind(tiny_fer, tmp_path):
    with _error(InputError, "teacher", "one kind"):
        _train(tiny_fer, tmp_path / "k", epochs=1, teacher="a.tflite,b.pt", kd=0.5)
    with _error(ModelError, "teacher", "nowhere.pt: no such teacher checkpoint"):
        _train(tiny_fer, tmp_path / "k", epochs=1, teacher=str(tmp_path / "nowhere.pt"), kd=0.5, kd_online=True)


def test_time_budget_shrinks_the_schedule_to_fit():
    from classmood.models.train.config import Config
    from classmood.models.train.schedule import epochs_that_fit

    cfg = Config(epochs=100, crop=40, full_epochs=10)
    # 5 done, 1 s a crop epoch, full epochs cost (48/40)^2 = 1.44: 30 s left -> 20 more fit
    total = epochs_that_fit(cfg, 5, 30.0, 1.0)
    n = total - 5
    assert 0.97 * 30 >= (n - 10) + 10 * 1.44 > 0.97 * 30 - 1
    assert epochs_that_fit(cfg, 5, 1e6, 1.0) == 100  # never more than planned
    assert epochs_that_fit(cfg, 5, 0.0, 1.0) == 6  # never fewer than one more


def test_a_negative_time_budget_says_so(tiny_fer, tmp_path):
    with _error(InputError, "time_budget", "time_budget -5"):
        _train(tiny_fer, tmp_path / "n", epochs=1, time_budget=-5.0)


def test_time_budget_run_ends_annealed_within_its_epochs(tiny_fer, tmp_path):
    out = tmp_path / "b"
    assert _run(tiny_fer, out, "--epochs", "500", "--time-budget", "6") == 0
    log = [json.loads(ln) for ln in (out / "train_log.jsonl").read_text().splitlines()]
    planned = torch.load(out / "last.pt", weights_only=False)["config"]["epochs"]
    assert 2 <= len(log) == planned < 500  # the re-planned schedule ran to its end
    assert log[-1]["lr"] < 0.001 and log[-1]["size"] == 48  # annealed, the last epoch at full size


def test_export_records_checkpoint_teachers_from_their_run(tiny_fer, tmp_path):
    """A student distilled from .pt teachers: the export names each teacher from its run
    folder (run.json, log) and scores them together from the logits the run saved."""
    from classmood.models.provenance import teacher_ensemble_logits, teachers_of

    t = tmp_path / "t"
    assert _run(tiny_fer, t, "--epochs", "2", "--seed", "3") == 0
    (t / "best.pt").unlink()  # the record is enough: the weights may stay on the GPU machine
    spec = str(t / "best.pt")
    dest = tmp_path / "assets"
    (entry,) = teachers_of(spec, dest)
    log = [json.loads(ln) for ln in (t / "train_log.jsonl").read_text().splitlines()]
    assert entry["name"] == "fer-resnet4-seed3" and entry["epochs"] == 2 and entry["device"] == "cpu"
    assert entry["accuracy"] == max(r["publictest_acc"] for r in log)
    assert (dest / "teachers" / "fer-resnet4-seed3.train_log.jsonl").read_text() == (t / "train_log.jsonl").read_text()
    avg = teacher_ensemble_logits(f"{spec},{spec}", np.zeros((32, 48, 48), np.uint8))
    assert np.array_equal(avg, np.load(t / "best_publictest_logits.npy"))
    (t / "run.json").unlink()
    with _error(ModelError, None, "run.json"):
        teachers_of(spec, dest)


def test_missing_data_and_init_name_their_setting(tiny_fer, tmp_path):
    with _error(InputError, "data", "no fer2013_train.npz there"):
        train(data=tmp_path / "nowhere", out=tmp_path / "d")
    with _error(InputError, "init", "nowhere.npz: no such weights file"):
        _train(tiny_fer, tmp_path / "i", epochs=1, init=str(tmp_path / "nowhere.npz"))


@pytest.mark.parametrize("args, says", [
    (["--select", "ten-crop"], "classmood: error: select ten-crop: choose flip or served (--select SELECT)"),
    (["--time-budget", "-5"], "classmood: error: time_budget -5.0: give seconds (> 0), or 0 for none "
                              "(--time-budget TIME_BUDGET)"),
    (["--kd", "0.5"], "(--teacher TEACHER)"),
    (["--init", "nowhere.npz"], "(--init INIT)"),
    (["--resume", "--out", "{tmp}/none"], "no checkpoint to resume from; give the folder of a stopped run as "
                                          "out, or start a new run (--resume)"),
    (["--data", "{tmp}/nowhere"], "(--data DATA)"),
])
def test_classmood_train_prints_one_line_naming_the_flag(tiny_fer, tmp_path, capsys, args, says):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    argv = ["train", "--data", str(tiny_fer), "--out", str(tmp_path / "o"), "--width", "4", "--epochs", "1", *args]
    assert classmood(argv) == 1  # a training error exits 1, as the trainer always has
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("classmood: error: ") and says in lines[0], err
    assert "Traceback" not in err and not out
