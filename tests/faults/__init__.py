"""Fault tests: the agent against a real Collector and Prometheus while things break; each counts points."""
