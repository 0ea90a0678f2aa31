"""Decisions: the proposal, deciding case by case, announcing, and the applicants' letters."""
