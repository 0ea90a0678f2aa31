"""Local stand-ins for the platforms' web APIs, recording every call."""
