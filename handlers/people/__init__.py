"""People: roles, grants from outside chat, linked chat accounts and each person's home."""
