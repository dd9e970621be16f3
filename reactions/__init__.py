"""Khabar reactions: a tiny HTTP endpoint counting five reactions per article, one per reader."""

__version__ = "0.1.0"
