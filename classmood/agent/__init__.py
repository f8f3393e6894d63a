"""The running agent: sources, tracking across frames, class mood, session store."""
