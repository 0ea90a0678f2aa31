"""The expert database and matching experts to approved applications."""
