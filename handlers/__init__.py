"""The platform-neutral core: commands, workflow rules, and what to say to whom."""
