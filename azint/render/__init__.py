"""Renderers: pure functions from results to text (Windows tracert/ping, JSON, tables)."""
