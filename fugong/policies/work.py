"""Policies in "my work" (待办) (filled in by issue 16's pages)."""

SOURCES: list = []
