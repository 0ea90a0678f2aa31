"""Reminders: what the programme reminds people of and when, the sweep, and the outbox view."""
