"""The command core every feature builds on: the desk, the registry, the grammar, the context
of a request, errors, programme settings, the audit trail and lookups."""
