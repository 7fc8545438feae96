"""Reads of the measures app, one module per part; each starts from what the user may see."""
