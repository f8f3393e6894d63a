"""The teacher's on-screen overlay and class-mood panel (pywebview)."""
