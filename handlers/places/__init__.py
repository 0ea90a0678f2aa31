"""Places: which channels receive reminders, evaluation threads and announcements."""
