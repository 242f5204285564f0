"""Versioned prompt files, shipped as package data (`summarizer.prompts`)."""
