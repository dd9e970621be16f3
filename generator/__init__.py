"""Khabar: a static site generator for bilingual (Russian and Tatar) district news outlets."""

__version__ = "0.1.0"
