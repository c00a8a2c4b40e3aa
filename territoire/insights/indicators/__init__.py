"""Indicator maths: pure functions (no database, no clock, no settings), each method and its
sources written in docs/insights.md. Selectors feed them with rollups; tests feed them with
hand-computed cases."""
