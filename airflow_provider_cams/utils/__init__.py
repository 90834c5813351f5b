"""Plumbing shared by the hook, operators, sensor and trigger: checks, pacing, the connection form."""
