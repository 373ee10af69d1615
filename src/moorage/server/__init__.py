"""The composition root: configuration, building each part once, listeners, workers."""
