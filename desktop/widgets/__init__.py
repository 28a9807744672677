"""Reusable widgets: the before/after split view, the live loss plot, the photo queue."""
