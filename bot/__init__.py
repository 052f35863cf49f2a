"""Hamming: the core every feature stands on."""

__version__ = "0.1.0"
