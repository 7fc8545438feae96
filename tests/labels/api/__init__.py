"""Tests of the label's REST API (companies, programmes, internships, editions)."""
