"""Serve the expression model with the LiteRT interpreter (no torch, no tensorflow).

The model file is a ``.tflite`` whose graph takes raw pixels ``[N, 1, 48, 48]`` in 0..255,
normalises them itself (the same constants training used, folded into a 1x1 convolution)
and returns FER2013 logits ``[N, 7]``: float32 in and out (the reference export,
``emotion.tflite``), or full int8 (``emotion_int8.tflite``, served by default: int8
weights and activations with scales fixed at export, its input the pixel minus 128, its
logits dequantised here with the file's own scale). Beside it, ``<model>.json`` carries
the class order, the calibration temperature and the model's measured accuracy::

    clf = ExpressionClassifier()             # the bundled model
    probs = clf.predict(faces)               # uint8 [N, 48, 48] -> float32 [N, 7]
    FER_CLASSES[probs[0].argmax()]
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._litert import open_interpreter
from ..errors import ModelError
from ..labels import FER_CLASSES
from .preprocess import INPUT_SIZE, standardize

ASSETS = Path(__file__).resolve().parent / "assets"
"""The folder of the bundled model's files."""
FLOAT_MODEL = ASSETS / "emotion.tflite"
"""The float32 export of the bundled model: the reference the int8 file is measured
against, and what matches PyTorch (its metadata is ``emotion.json`` beside it)."""
DEFAULT_MODEL = ASSETS / "emotion_int8.tflite"
"""The served expression model: :data:`FLOAT_MODEL` in full int8
(``python -m classmood.models.quantize``; metadata ``emotion_int8.json``)."""


def default_model_path() -> Path:
    """The served expression model's ``.tflite`` (:data:`DEFAULT_MODEL`)."""
    return DEFAULT_MODEL


@dataclass(frozen=True)
class ModelInfo:
    """What ``<model>.json`` says about a model (defaults when it has none)."""

    classes: tuple[str, ...] = FER_CLASSES
    temperature: float = 1.0
    temperature_flip: float = 1.0   # fitted on flip-averaged logits
    name: str = "unnamed"
    metrics: dict = field(default_factory=dict)

    @classmethod
    def load(cls, model_path: Path) -> "ModelInfo":
        """What ``model_path``'s ``.json`` says, or the defaults (uncalibrated, named after
        the file) when there is none.

        Raises:
            ModelError: for unreadable metadata, classes other than FER2013's in order,
                or a temperature that is not positive.
        """
        meta = model_path.with_suffix(".json")
        if not meta.exists():
            return cls(name=model_path.stem)
        try:
            d = json.loads(meta.read_text())
            classes = tuple(d.get("classes", FER_CLASSES))
            temperature = float(d.get("temperature", 1.0))
            temperature_flip = float(d.get("temperature_flip_average", temperature))
        except (OSError, ValueError, TypeError) as exc:
            raise ModelError(f"{meta}: unreadable model metadata ({exc}); restore it from the package "
                             "or delete it to use the model uncalibrated") from None
        if classes != FER_CLASSES:
            raise ModelError(f"{meta}: classes {list(classes)} are not FER2013's {list(FER_CLASSES)} in order")
        if not (temperature > 0 and temperature_flip > 0):
            raise ModelError(f"{meta}: temperatures must be > 0, got {temperature} and {temperature_flip}")
        return cls(classes=classes, temperature=temperature, temperature_flip=temperature_flip,
                   name=d.get("name", model_path.stem),
                   metrics=d.get("metrics", {}))


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Logits ``[N, K]`` -> probabilities float32 ``[N, K]`` of ``logits / temperature``
    (computed in float64, stable for large logits)."""
    z = logits.astype(np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


class ExpressionClassifier:
    """Batched FER2013 expression probabilities for aligned 48x48 grayscale faces.

    ``predict`` takes uint8 ``[N, 48, 48]`` (as :class:`classmood.detectors.align.FaceAligner`
    makes them, and as FER2013 stores them) and returns calibrated probabilities
    ``[N, 7]`` in :data:`FER_CLASSES` order. ``flip_average`` also runs each face mirrored
    and averages the logits (a little more accurate, twice the work). Each face is first
    brought to FER2013's brightness and contrast (:func:`~classmood.models.preprocess.standardize`:
    a dim room's faces otherwise read angry); ``standardize=False`` feeds raw pixels. One interpreter
    per instance; calls are serialised, so an instance can be shared between threads.

    Args:
        model_path: the ``.tflite`` to serve (default: the bundled model); its ``.json``
            beside it, when there is one, gives the calibration temperature.
        threads: CPU threads LiteRT may use.
        flip_average: also run each face mirrored and average the logits.
        max_batch: faces per interpreter call (larger batches are cut into chunks).
        standardize: per-face photometric normalisation before the model (default on).

    Raises:
        ModelError: for a missing, unreadable or foreign model file (``option="model"``)
            or bad metadata.
    """

    def __init__(self, model_path: str | Path | None = None, *, threads: int = 1,
                 flip_average: bool = False, max_batch: int = 64, standardize: bool = True) -> None:
        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL
        self.flip_average = flip_average
        self.standardize = standardize
        self.max_batch = max(1, int(max_batch))
        self.info = ModelInfo.load(self.model_path) if self.model_path.exists() else None
        self._interp = _open(self.model_path, threads)
        self.info = self.info or ModelInfo(name=self.model_path.stem)
        self._inp = self._interp.get_input_details()[0]
        self._out = self._interp.get_output_details()[0]
        self._check_signature()
        self._batch = 0
        self._lock = threading.Lock()

    @property
    def temperature(self) -> float:
        """The calibration temperature for the logits this instance gives."""
        return self.info.temperature_flip if self.flip_average else self.info.temperature

    def _check_signature(self) -> None:
        ins, outs = self._interp.get_input_details(), self._interp.get_output_details()
        shape = [int(s) for s in self._inp.get("shape_signature", self._inp["shape"])]
        out = [int(s) for s in self._out.get("shape_signature", self._out["shape"])]
        if len(outs) != 1:
            out = f"{len(outs)} outputs"
        dtypes_ok = all(d["dtype"] == np.float32 or (d["dtype"] == np.int8 and d["quantization"][0] > 0)
                        for d in (self._inp, self._out))
        if (len(ins) != 1 or len(outs) != 1 or len(shape) != 4 or shape[1:] != [1, INPUT_SIZE, INPUT_SIZE]
                or not dtypes_ok or len(out) != 2 or out[1] != len(FER_CLASSES)):
            raise ModelError(
                f"{self.model_path}: takes {np.dtype(self._inp['dtype']).name} {shape} and gives {out}; ClassMood "
                f"needs float32 (or quantised int8) [N, 1, {INPUT_SIZE}, {INPUT_SIZE}] -> [N, {len(FER_CLASSES)}] "
                "(export one with python -m classmood.models.export)", option="model")

    @property
    def quantized(self) -> bool:
        """The model takes int8 (full int8): pixels are quantised with its input scale."""
        return self._inp["dtype"] == np.int8

    def logits(self, faces: np.ndarray) -> np.ndarray:
        """Raw logits ``[N, 7]`` (flip-averaged when asked); what calibration is fitted on."""
        x = _as_batch(faces)
        if len(x) == 0:
            return np.zeros((0, len(FER_CLASSES)), np.float32)
        if self.standardize:
            x = standardize(x[:, 0])[:, None]
        if self.flip_average:
            both = self._run(np.concatenate([x, x[..., ::-1]]))
            return (both[: len(x)] + both[len(x):]) / 2
        return self._run(x)

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """uint8 ``[N, 48, 48]`` faces -> calibrated probabilities float32 ``[N, 7]``."""
        return softmax(self.logits(faces), self.temperature)

    def _run(self, x: np.ndarray) -> np.ndarray:
        out = np.empty((len(x), len(FER_CLASSES)), np.float32)
        with self._lock:
            for i in range(0, len(x), self.max_batch):
                chunk = np.ascontiguousarray(x[i : i + self.max_batch])
                if len(chunk) != self._batch:
                    self._interp.resize_tensor_input(self._inp["index"], list(chunk.shape))
                    self._interp.allocate_tensors()
                    self._batch = len(chunk)
                self._interp.set_tensor(self._inp["index"], self._quantize(chunk))
                # no stderr redirect per call: invoking prints nothing (measured), and a
                # redirect of the process-wide fd 2 swallowed other threads' messages
                self._interp.invoke()
                y = self._interp.get_tensor(self._out["index"])
                if self._out["dtype"] == np.int8:
                    scale, zero = self._out["quantization"]
                    y = (y.astype(np.float32) - np.float32(zero)) * np.float32(scale)
                out[i : i + len(chunk)] = y
        return out

    def _quantize(self, x: np.ndarray) -> np.ndarray:
        """float32 pixels 0..255 -> the model's input (int8 by its own scale and zero point)."""
        if self._inp["dtype"] != np.int8:
            return x
        scale, zero = self._inp["quantization"]
        return np.ascontiguousarray(np.clip(np.round(x / np.float32(scale) + np.float32(zero)), -128, 127)
                                    .astype(np.int8))


def _as_batch(faces: np.ndarray) -> np.ndarray:
    """uint8 ``[N, 48, 48]`` (or one ``[48, 48]``) -> the model's input float32
    ``[N, 1, 48, 48]`` in 0..255; ValueError for another shape or dtype."""
    faces = np.asarray(faces)
    if faces.ndim == 2:
        faces = faces[None]
    if faces.ndim != 3 or faces.shape[1:] != (INPUT_SIZE, INPUT_SIZE):
        raise ValueError(f"faces must be [N, {INPUT_SIZE}, {INPUT_SIZE}] grayscale, got shape {faces.shape}")
    if faces.dtype != np.uint8:
        raise ValueError(f"faces must be uint8 (0..255 grayscale), got {faces.dtype}")
    return faces.astype(np.float32)[:, None, :, :]


def _open(path: Path, threads: int):
    """A LiteRT interpreter of ``path`` with its tensors allocated (native start-up chatter
    kept off stderr); ModelError for a file that is missing, a folder or not a model."""
    if not path.exists():
        raise ModelError(f"{path}: emotion model not found; reinstall classmood or pass an existing .tflite file",
                         option="model")
    if path.is_dir():
        raise ModelError(f"{path}: is a folder; pass the .tflite model file", option="model")
    return open_interpreter(path, threads, "TFLite model", "; re-export it or reinstall classmood", option="model")


EmotionClassifier = ExpressionClassifier
"""The former name of :class:`ExpressionClassifier` (kept so older code keeps working)."""
