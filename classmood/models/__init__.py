"""Facial expression recognition: the model that gives each aligned face its FER2013
expression probabilities. Serving needs only LiteRT; training and export need PyTorch
(the train extra).

- :mod:`.expression`: serving (:class:`~.expression.ExpressionClassifier`, the bundled
  ``assets/emotion.tflite`` and its metadata);
- :mod:`.preprocess`: the input size and pixel normalisation training and serving share;
- :mod:`.metrics`: accuracy, macro-F1, confusion, calibration error, temperature fitting;
- :mod:`.evaluate`: measuring a model on labelled faces or photos (``classmood evaluate``);
- :mod:`.network`: the PyTorch network; :mod:`.weights`: reading its weight files;
- :mod:`.train`: training on FER2013 (its Python API; the command is ``classmood train``);
- :mod:`.export`: checkpoint -> shipped ``.tflite`` + ``.json`` (``python -m classmood.models.export``),
  with :mod:`.provenance` (the teachers a distilled model learnt from) and :mod:`.card`
  (the model card's measured figures).

:mod:`.emotion` is the former name of :mod:`.expression`, kept so older imports work.
"""
