"""Microsoft Teams: Bot Framework activities in, Adaptive Cards out.

Every import of botbuilder lives in this package, so moving to another Bot Framework SDK
changes this folder and nothing else.
"""
