"""Hardening tests: what an attacker would try, across every module."""
