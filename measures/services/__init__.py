"""Writes of the measures app, one module per part (inventory, budgets, requests, allocation, placements …)."""
