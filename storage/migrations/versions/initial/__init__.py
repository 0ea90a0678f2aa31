"""The initial schema (revision 0001), one module a concept: each creates its tables in an
order their foreign keys allow, and drops them in the reverse one."""
