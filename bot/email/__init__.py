"""Applicants' letters by e-mail: the SMTP sender the messenger delivers `email` rows with."""
