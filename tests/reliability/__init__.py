"""Reliability tests: fault soak, bad input, secret hygiene, signing properties."""
