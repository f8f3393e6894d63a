"""Emotion models: training (PyTorch, optional extra) and serving (LiteRT only)."""
