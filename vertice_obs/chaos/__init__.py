"""Chaos Day as code: fault scenarios, probes and expectations (issue 5, in progress)."""
