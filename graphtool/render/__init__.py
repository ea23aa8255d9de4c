"""Rendering: interactive maps, timelines, tables and exports of what the store holds."""
