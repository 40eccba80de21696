"""Moderation: channel standards, the rule engine, the queue, flags, sanctions and audit log."""
