"""Veracity: the open, self-hosted data engine for AI training data."""

__version__ = "0.1.0"
