"""The terminal console: the chat commands typed as one person, on the same store."""
