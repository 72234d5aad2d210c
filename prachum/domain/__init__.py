"""The law engine: rules with legal weight as pure, cited Python.

Nothing here imports Django or any other part of Prachum (enforced by import-linter).
"""
